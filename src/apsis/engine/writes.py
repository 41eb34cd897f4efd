"""Run records on their way to the store: one write per run per batch.

A run often moves several times before the store cuts its next batch: a no-op run
due now goes scheduled → starting → running → success within a few loop turns.
Serialising and writing its whole record at every move would cost most of the
engine's time. Instead a move marks the run, and its record is taken once, just
before the batch is cut (the writer's `before_flush` hook), guarded by the state the
store last saw: the compare-and-set covers the whole chain of moves, which is what
writing them one by one would have checked.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any

from ..model.run import Run
from ..model.state import State
from ..store.ops import InsertRun, UpdateRun
from ..store.writer import GroupWriter
from .records import to_record


@dataclass
class _Marked:
    run: Run
    expected: State | None
    """The state the store has for the run; None for a run not stored yet."""
    durable: asyncio.Future[Any]


class RunWrites:
    def __init__(self, writer: GroupWriter) -> None:
        self._writer = writer
        self._marked: dict[str, _Marked] = {}
        writer.before_flush.append(self._submit)

    def insert(self, run: Run) -> asyncio.Future[Any]:
        """Store a new run; the future resolves once it is durable."""
        return self._mark(run, None)

    def update(self, run: Run, expected: State) -> asyncio.Future[Any]:
        """Store the run as it will be at the next batch, if the store still has it
        in `expected` (or has yet to store it)."""
        return self._mark(run, expected)

    def _mark(self, run: Run, expected: State | None) -> asyncio.Future[Any]:
        marked = self._marked.get(run.run_id)
        if marked is None:
            durable = asyncio.get_running_loop().create_future()
            marked = self._marked[run.run_id] = _Marked(run, expected, durable)
            self._writer.request_flush()
        return marked.durable

    def _submit(self) -> None:
        marked, self._marked = self._marked, {}
        for item in marked.values():
            record = to_record(item.run)
            if item.expected is None:
                done = self._writer.submit(InsertRun(record))
            else:
                done = self._writer.submit(UpdateRun(record, expected_state=item.expected.value))
            done.add_done_callback(functools.partial(_settle, item.durable))


def _settle(durable: asyncio.Future[Any], done: asyncio.Future[Any]) -> None:
    if durable.done():
        return
    if done.cancelled():
        durable.cancel()
    elif done.exception() is not None:
        durable.set_exception(done.exception())  # type: ignore[arg-type]
    else:
        durable.set_result(done.result())
