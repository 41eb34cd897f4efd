"""The agent's event log: what the service long-polls to learn of output and exits.

1. Each event gets the next sequence number; the last `EVENTS_KEPT` are kept.
2. A poll returns at once the events after the client's `after`, or waits (without
   polling) until one is appended or its timeout passes.
3. A client that cannot be answered exactly gets `reset: true` and no events: its
   `after` is from another agent (a different `epoch`, or a number this agent has not
   reached), or events it has not seen were dropped from the ring. It must then ask
   about each process it follows.

Inline output makes a short run cost one request, but 10,000 exits of 64 KiB each would
hold 640 MiB; so the ring holds at most `INLINE_BUDGET` bytes of it, and drops it from
the oldest events first (their clients then read the output as for a long run).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from .protocol import EVENTS_KEPT, MAX_POLL, Event, Events, ProcessInfo

INLINE_BUDGET = 64 * 1024 * 1024


@dataclass
class _Record:
    seq: int
    proc_id: str
    type: Literal["output", "exit"]
    output_length: int
    process: ProcessInfo | None
    output: bytes | None

    def event(self) -> Event:
        output = None if self.output is None else base64.b64encode(self.output).decode()
        return Event(
            seq=self.seq,
            proc_id=self.proc_id,
            type=self.type,
            output_length=self.output_length,
            process=self.process,
            output=output,
        )


class EventLog:
    def __init__(self, kept: int = EVENTS_KEPT, inline_budget: int = INLINE_BUDGET) -> None:
        self.epoch = secrets.token_hex(8)
        """Random per agent start: tells a client that its `after` means nothing here."""
        self.seq = 0
        self._records: deque[_Record] = deque(maxlen=kept)
        self._inlined: deque[_Record] = deque()
        self._inline_bytes = 0
        self._inline_budget = inline_budget
        self._appended = asyncio.Event()

    def wake(self) -> None:
        """End every poll now, with what it has: the agent is exiting."""
        self._appended.set()

    def append(
        self,
        proc_id: str,
        type_: Literal["output", "exit"],
        output_length: int,
        process: ProcessInfo | None = None,
        output: bytes | None = None,
    ) -> None:
        self.seq += 1
        record = _Record(self.seq, proc_id, type_, output_length, process, output)
        self._records.append(record)
        if output is not None:
            self._inlined.append(record)
            self._inline_bytes += len(output)
            self._trim_inline()
        # Waiters hold the event they are waiting on; a fresh one serves the next wait.
        self._appended.set()
        self._appended = asyncio.Event()

    def _trim_inline(self) -> None:
        oldest = self._records[0].seq
        while self._inlined and (
            self._inline_bytes > self._inline_budget or self._inlined[0].seq < oldest
        ):
            record = self._inlined.popleft()
            assert record.output is not None
            self._inline_bytes -= len(record.output)
            record.output = None

    def _must_reset(self, after: int, epoch: str | None) -> bool:
        if epoch is not None and epoch != self.epoch:
            return True
        if after > self.seq or after < 0:
            return True
        # Events after `after` were dropped from the ring: the client missed them.
        return bool(self._records) and self._records[0].seq > after + 1

    async def poll(self, after: int, timeout: float, epoch: str | None = None) -> Events:
        """The events after `after`, waiting up to `timeout` seconds for one."""
        if self._must_reset(after, epoch):
            return Events(epoch=self.epoch, seq=self.seq, reset=True)
        if after == self.seq and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._appended.wait(), min(timeout, MAX_POLL))
            if self._must_reset(after, None):  # so many arrived that the ring dropped some
                return Events(epoch=self.epoch, seq=self.seq, reset=True)
        first = self._records[0].seq if self._records else self.seq + 1
        records = islice(self._records, max(0, after + 1 - first), None)
        return Events(epoch=self.epoch, seq=self.seq, events=[r.event() for r in records])
