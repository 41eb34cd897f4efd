"""The spool: each process's output file, `spool/{proc_id}.out`, and a reserve of empty
ones made ahead of need.

Creating a file is cheap until it waits behind the file system's journal, which the
service's database commits keep busy exactly when many runs start together. So a
start takes a file made earlier, in a thread, and creates one itself only when the
reserve has run out. The proc ID is the file's name, so it is chosen with the file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections import deque
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger(__name__)

RESERVE = 256
"""Empty spool files kept ready; refilled once half of them have been taken."""
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC


def _create(directory: Path) -> str:
    proc_id = secrets.token_hex(8)
    os.close(os.open(directory / f"{proc_id}.out", _APPEND | os.O_CREAT | os.O_EXCL, 0o600))
    return proc_id


def _create_many(directory: Path, count: int) -> list[str]:
    return [_create(directory) for _ in range(count)]


class Spool:
    """The spool directory, with its reserve of empty files."""

    def __init__(self, directory: Path, reserve: int = RESERVE) -> None:
        self.directory = directory
        self._size = reserve
        self._reserve: deque[str] = deque()
        self._filling: asyncio.Future[list[str]] | None = None

    def path(self, proc_id: str) -> Path:
        return self.directory / f"{proc_id}.out"

    def open(self, keep: Collection[str]) -> None:
        """Remove every spool file but those of `keep` (a previous agent's reserve, or
        output nobody can ask for any more), then fill the reserve."""
        for path in self.directory.iterdir():
            if path.suffix == ".out" and path.stem not in keep:
                path.unlink(missing_ok=True)
        self._refill()

    def new(self) -> tuple[str, int]:
        """A new proc ID and its empty spool file, open for appending."""
        while self._reserve:
            proc_id = self._reserve.popleft()
            try:
                fd = os.open(self.path(proc_id), _APPEND)
            except FileNotFoundError:  # Removed behind our back: take the next.
                continue
            self._refill()
            return proc_id, fd
        self._refill()
        proc_id = _create(self.directory)
        return proc_id, os.open(self.path(proc_id), _APPEND)

    def remove(self, proc_id: str) -> None:
        self.path(proc_id).unlink(missing_ok=True)

    def _refill(self) -> None:
        if len(self._reserve) > self._size // 2:
            return
        if self._filling is not None and not self._filling.done():
            return
        want = self._size - len(self._reserve)
        self._filling = asyncio.get_running_loop().run_in_executor(
            None, _create_many, self.directory, want
        )
        self._filling.add_done_callback(self._filled)

    def _filled(self, future: asyncio.Future[list[str]]) -> None:
        if future.cancelled():
            return
        if (exc := future.exception()) is not None:
            log.warning("cannot make spool files ahead: %s", exc)
            return
        self._reserve.extend(future.result())
