"""The spool's reserve of files made ahead, on a real directory."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from apsis.agent.spool import Spool


async def _filled(spool: Spool, count: int) -> None:
    for _ in range(200):
        if len(list(spool.directory.iterdir())) >= count:
            await asyncio.sleep(0.01)  # the done callback runs on the loop
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the reserve never reached {count} files")


def test_starts_take_files_made_ahead_and_open_clears_what_nobody_holds(tmp_path: Path) -> None:
    (tmp_path / "kept.out").write_bytes(b"output of a live process")
    (tmp_path / "stale.out").write_bytes(b"reserve of a previous agent")

    async def scenario() -> None:
        spool = Spool(tmp_path, reserve=4)
        spool.open(keep={"kept"})
        assert not (tmp_path / "stale.out").exists()
        assert (tmp_path / "kept.out").read_bytes() == b"output of a live process"
        await _filled(spool, 1 + 4)
        reserved = {path.stem for path in tmp_path.iterdir()} - {"kept"}

        proc_id, fd = spool.new()
        os.write(fd, b"hello\n")
        os.close(fd)
        assert proc_id in reserved
        assert spool.path(proc_id).read_bytes() == b"hello\n"

        for path in tmp_path.iterdir():  # an operator empties the directory
            if path.stem != proc_id:
                path.unlink()
        other, fd = spool.new()
        os.close(fd)
        assert other != proc_id and spool.path(other).exists()
        spool.remove(other)
        assert not spool.path(other).exists()

    asyncio.run(scenario())
