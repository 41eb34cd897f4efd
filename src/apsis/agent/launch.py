"""Starting an agent, or finding the one that runs: what `apsis-agent start` does.

The service runs it locally, over ssh or via sudo. It returns as soon as an agent
answers, leaving that agent detached (its own session, stdin /dev/null, output to
agent.log) so that neither ssh nor the service waits on it. Two concurrent launches both
spawn an agent; the lock lets one serve (daemon.py), the other exits with `LOCK_HELD`,
and its launcher reports the winner, which it finds through agent.json like any later
launch.

This module imports nothing of the server, so that finding a running agent stays quick.
"""

from __future__ import annotations

import os
import sys
import time

from .protocol import StartInfo
from .state import StateDir

LOCK_HELD = 3
"""`serve`'s exit status when another agent holds the state directory."""
START_DEADLINE = 10.0
POLL = 0.05


class AgentError(Exception):
    """The agent cannot be started or reached; the message says why."""


def _log_tail(state: StateDir, lines: int = 3) -> str:
    try:
        text = state.log_file.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])


def launch(
    state: StateDir,
    bind: str = "127.0.0.1",
    port: int = 0,
    idle_timeout: float = 3600.0,
    deadline: float = START_DEADLINE,
) -> StartInfo:
    """The running agent of `state`, started if there is none; AgentError if it cannot be."""
    state.create()
    found = state.probe()
    if found is not None:
        return state.start_info(found[0], started=False)
    # -P: the caller's working directory must not shadow the installed package.
    argv = [sys.executable, "-P", "-m", "apsis.cli.agent", "serve", "--state-dir",
            str(state.path), "--bind", bind, "--port", str(port),
            "--idle-timeout", repr(idle_timeout)]  # fmt: skip
    log_fd = os.open(state.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        pid = os.posix_spawn(
            sys.executable,
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log_fd, 1),
                (os.POSIX_SPAWN_DUP2, log_fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(log_fd)
    end, exited = time.monotonic() + deadline, False
    while True:
        found = state.probe(timeout=1.0)
        if found is not None:
            return state.start_info(found[0], started=found[0].pid == pid)
        if not exited:
            waited, status = os.waitpid(pid, os.WNOHANG)
            exited = waited == pid
            # LOCK_HELD: a concurrent launch won; its agent.json will name it.
            if exited and os.waitstatus_to_exitcode(status) != LOCK_HELD:
                raise AgentError(f"the agent exited at start: {_log_tail(state)}")
        if time.monotonic() > end:
            raise AgentError(
                f"no agent answered in {state.path} within {deadline:g} s: {_log_tail(state)}"
            )
        time.sleep(POLL)
