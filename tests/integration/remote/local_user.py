"""The local user the `user:` tests run as, and whether it can run this installation.

sudo switches to the user, and the agent then runs as it from this installation's
Python (the venv's interpreter, by absolute path), so the user needs to be able to
reach and read the venv, the interpreter it links to, and the source tree.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

TEST_USER = "apsis-test"
NO_SUCH_USER = "apsis-no-such-user"


def ensure_user() -> str | None:
    """Create `TEST_USER` with a home directory unless it exists; None, or why not."""
    try:
        pwd.getpwnam(TEST_USER)
        return None
    except KeyError:
        pass
    done = subprocess.run(
        ["useradd", "--create-home", TEST_USER], capture_output=True, text=True, check=False
    )
    # 9: it exists (another session created it meanwhile).
    if done.returncode not in (0, 9):
        return f"cannot create user {TEST_USER}: useradd exited {done.returncode}: {done.stderr}"
    return None


def _blocking_directory(path: Path, uid: int, gids: set[int]) -> Path | None:
    """The first ancestor of `path` that `uid` may not search, if any."""
    for directory in reversed(path.parents):
        info = directory.stat()
        if info.st_uid == uid:
            bit = 0o100
        elif info.st_gid in gids:
            bit = 0o010
        else:
            bit = 0o001
        if not info.st_mode & bit:
            return directory
    return None


def user_can_run_apsis() -> str | None:
    """None if `TEST_USER` can import apsis with this interpreter through sudo, as the
    launcher will run it; else what stands in the way."""
    python = Path(sys.executable)
    done = subprocess.run(
        ["sudo", "-n", "-u", TEST_USER, str(python), "-c", "import apsis.cli.agent"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode == 0:
        return None
    entry = pwd.getpwnam(TEST_USER)
    gids = set(os.getgrouplist(TEST_USER, entry.pw_gid))
    for target in (python.resolve(), Path(__file__).resolve()):
        blocking = _blocking_directory(target, entry.pw_uid, gids)
        if blocking is not None:
            mode = oct(blocking.stat().st_mode & 0o777)
            return (
                f"user {TEST_USER} cannot run {python}: {blocking} (mode {mode}) is not"
                f" searchable by it (e.g. `chmod o+x {blocking}` would allow it)"
            )
    return f"user {TEST_USER} cannot run {python}: {done.stderr.strip()}"
