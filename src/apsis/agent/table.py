"""The agent's process table on disk: an append-only journal, `procs.jsonl`.

The table is what lets a restarted agent carry on (SPEC §10): whatever a client may ask
about later (pid, start, how it ends, its result) is written here as it changes. Each
change is one line appended to one open file: an entry as JSON, or `{"forget": ID}`
once a process is released. The last line for a process wins. A file per process would
cost a file created and one removed per run, which on a busy disk is what limits how
fast the agent starts processes.

When the journal holds many more lines than live entries, it is rewritten with only
those (a temporary file renamed over it: a crash leaves the old journal or the new). A
crash mid-append leaves a torn last line, which loading skips: the process's previous
line still says where it was. There is no fsync: the processes themselves do not
outlive the machine, so neither need their table.
"""

from __future__ import annotations

import json
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
    start_ticks: int | None = None
    """Field 22 of `/proc/PID/stat` at start: tells this process from a later one that
    was given the same pid. Written just after the start (processes.py)."""
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
    key: str | None = None
    """The start's idempotency key (protocol.StartRequest), if it had one."""
    timeout_at: float | None = None
    """When the timeout ends the process, seconds since the epoch; kept across restarts."""
    kill_at: float | None = None
    """When SIGKILL follows the stop or timeout signal, seconds since the epoch."""


COMPACT_SLACK = 1000
"""Lines beyond twice the live entries that a journal may hold before it is rewritten."""


class Table:
    """The journal of entries, opened for appending by `load`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._entries: dict[str, Entry] = {}
        """The latest line of each live process, for compaction."""
        self._lines = 0

    def load(self) -> list[Entry]:
        """Every live entry, then open the journal for writing (compacted).

        An unreadable line is logged and skipped; an entry from a newer agent too.
        """
        entries: dict[str, Entry] = {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        for number, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if "forget" in record:
                    entries.pop(str(record["forget"]), None)
                    continue
                entry = Entry.model_validate(record)
            except (ValueError, TypeError, ValidationError) as exc:
                log.error("%s line %d: unreadable, skipped: %s", self.path, number, exc)
                continue
            if entry.version > TABLE_VERSION:
                log.error("%s line %d: from a newer agent (version %d); skipped",
                          self.path, number, entry.version)  # fmt: skip
                continue
            entries[entry.proc_id] = entry
        self._rewrite(list(entries.values()))
        return list(entries.values())

    def write(self, entry: Entry) -> None:
        self._entries[entry.proc_id] = entry
        self._append(entry.model_dump_json().encode())

    def remove(self, proc_id: str) -> None:
        if self._entries.pop(proc_id, None) is not None:
            self._append(json.dumps({"forget": proc_id}).encode())

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _append(self, line: bytes) -> None:
        assert self._fd is not None, "the table is written only after load()"
        _write_all(self._fd, line + b"\n")
        self._lines += 1
        if self._lines > 2 * len(self._entries) + COMPACT_SLACK:
            self._rewrite(list(self._entries.values()))

    def _rewrite(self, entries: list[Entry]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            _write_all(fd, b"".join(entry.model_dump_json().encode() + b"\n" for entry in entries))
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        self.close()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        self._entries = {entry.proc_id: entry for entry in entries}
        self._lines = len(entries)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
