"""The agent's process table on disk: one JSON file per process, `procs/{proc_id}.json`.

The table is what lets a restarted agent carry on (SPEC §10): whatever a client may ask
about later (pid, start, how it ends, its result) is written here as it changes. One
file per process makes each change a small write, and a temporary file renamed over the
old one means a crash leaves the old version or the new, never a torn one. There is no
fsync: the processes themselves do not outlive the machine, so neither need their table.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

log = logging.getLogger(__name__)

TABLE_VERSION = 1


class Entry(BaseModel):
    """One process as the agent remembers it; mutable, and written after each change."""

    model_config = ConfigDict(extra="forbid")

    version: int = TABLE_VERSION
    proc_id: str
    run_id: str
    pid: int
    start_ticks: int
    """Field 22 of `/proc/PID/stat` at start: tells this process from a later one that
    was given the same pid."""
    start: str
    began: float
    """`start` as seconds since the epoch, for `elapsed`."""
    state: Literal["running", "exited"] = "running"
    ending: Literal["stop", "timeout"] | None = None
    status: int | None = None
    rusage: dict[str, float] | None = None
    end: str | None = None
    elapsed: float | None = None
    stop_signal: int
    grace_period: float
    timeout_signal: int
    timeout_at: float | None = None
    """When the timeout ends the process, seconds since the epoch; kept across restarts."""
    kill_at: float | None = None
    """When SIGKILL follows the stop or timeout signal, seconds since the epoch."""


class Table:
    """The directory of entries."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, proc_id: str) -> Path:
        return self.directory / f"{proc_id}.json"

    def write(self, entry: Entry) -> None:
        path = self._path(entry.proc_id)
        tmp = path.with_name(f".{entry.proc_id}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, entry.model_dump_json().encode())
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def remove(self, proc_id: str) -> None:
        self._path(proc_id).unlink(missing_ok=True)

    def load(self) -> list[Entry]:
        """Every entry; an unreadable file is logged and left for an operator to see.

        Temporary files are a write the previous agent did not finish: the entry it
        replaced is still there, so they are removed.
        """
        entries = []
        for path in sorted(self.directory.iterdir()):
            if path.name.startswith("."):
                path.unlink(missing_ok=True)
                continue
            if path.suffix != ".json":
                continue
            try:
                entry = Entry.model_validate_json(path.read_bytes())
            except (OSError, ValidationError) as exc:
                log.error("cannot read process table entry %s: %s", path, exc)
                continue
            if entry.version > TABLE_VERSION:
                log.error("%s is from a newer agent (version %d); skipped", path, entry.version)
                continue
            entries.append(entry)
        return entries
