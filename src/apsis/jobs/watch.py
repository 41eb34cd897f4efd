"""Watching the job directory and reloading it when its files change (SPEC §3, [beyond]).

The watcher compares a fingerprint of the directory (every job file's path, size and
modification time) every `interval` seconds: portable, no extra dependency, and cheap
next to loading the jobs. A change triggers a reload, which is all or nothing: a
directory with errors is reported and the jobs in force stay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from .directory import job_files

log = logging.getLogger(__name__)

Fingerprint = frozenset[tuple[str, int, int]]


def fingerprint(root: Path) -> Fingerprint:
    """What changes when a job file is added, removed or edited."""
    entries = set()
    for job_id, path in job_files(root):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed while we looked
            continue
        entries.add((job_id, stat.st_size, stat.st_mtime_ns))
    return frozenset(entries)


class JobDirWatcher:
    """Calls `reload()` after the job directory changes."""

    def __init__(
        self, root: Path, reload: Callable[[], Awaitable[object]], interval: float = 2.0
    ) -> None:
        self.root = root
        self.reload = reload
        self.interval = interval
        self._seen: Fingerprint | None = None

    async def run_once(self) -> bool:
        """Look once; reload if the directory changed since the last look."""
        current = await asyncio.to_thread(fingerprint, self.root)
        if self._seen is None or current == self._seen:
            self._seen = current
            return False
        self._seen = current
        try:
            await self.reload()
        except Exception as exc:
            log.error("job directory changed; not reloaded: %s", exc)
        return True

    async def run(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.interval)
