"""The store's two threads: group-committed writes, and reads, for the event loop.

Group commit: the ops of an event-loop turn are written in one transaction.

Durability is bought per transaction (one fsync-equivalent each), not per op, so the
engine submits each transition's ops and awaits their future; everything submitted in
the same turn becomes one batch, written by one dedicated thread. While a batch is
being written, newly submitted ops wait for the next one, so under load batches grow
instead of queueing: the cost per transition falls as the rate rises.

All bookkeeping runs on the event loop; the thread only calls `Store.write` and posts
the outcome back with `call_soon_threadsafe`. Batches are written strictly one after
another, in submission order.

Reads go to a second thread with its own connection: WAL lets it read while the writer
commits, so API pages, run logs and outputs wait neither for write batches nor block
the loop. One reader thread keeps it simple and bounds the load one service puts on
the database.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from .ops import Conflict, Op
from .store import Store

P = ParamSpec("P")
T = TypeVar("T")
_Pending = list[tuple[Op, "asyncio.Future[Conflict | None]"]]


class GroupWriter:
    """Writes submitted ops to `store` in batches, and runs reads beside them.

    Create it on the loop that uses it.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._loop = asyncio.get_running_loop()
        self._pending: _Pending = []
        self._flush_scheduled = False
        self._in_flight = False
        self._last_in_flight: asyncio.Future[Conflict | None] | None = None
        self._closed = False
        self._drained: asyncio.Future[None] | None = None
        self._batches: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="apsis-store-writer", daemon=True)
        self._thread.start()
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="apsis-store-reader")
        self.before_flush: list[Callable[[], None]] = []
        """Called just before each batch is cut, to submit ops prepared lazily (the
        engine's run records: one per run per batch, however often it moved)."""
        self.batches_written = 0
        """How many batches (transactions) have completed, failed ones included."""
        self._ops_written = 0
        self._largest_batch = 0
        self._write_seconds = 0.0

    def submit(self, op: Op) -> asyncio.Future[Conflict | None]:
        """Queue `op`; the future resolves once its batch has committed.

        Its result is the op's Conflict (an UpdateRun that found another state) or
        None. If the batch fails, every op of it fails with the same exception and
        none of them was written.
        """
        if self._closed:
            raise RuntimeError("the store writer is closed")
        future: asyncio.Future[Conflict | None] = self._loop.create_future()
        self._pending.append((op, future))
        self._schedule_flush()
        return future

    async def read(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)`, a Store method, run on the reader thread."""
        call = functools.partial(fn, *args, **kwargs)
        return await self._loop.run_in_executor(self._reader, call)

    async def barrier(self) -> None:
        """Return once everything submitted so far is written (or raise if it failed).

        Batches commit in order, so waiting for the last op submitted is enough.
        """
        self._gather()
        if self._pending:
            last = self._pending[-1][1]
        elif self._last_in_flight is not None:
            last = self._last_in_flight
        else:
            return
        await asyncio.shield(last)

    @property
    def busy(self) -> bool:
        """Whether anything submitted is not yet written."""
        return bool(self._pending) or self._in_flight

    def stats(self) -> dict[str, Any]:
        """Batch counts and write time, for /api/v1/stats."""
        return {
            "batches": self.batches_written,
            "ops": self._ops_written,
            "largest_batch": self._largest_batch,
            "pending": len(self._pending),
            "write_seconds": round(self._write_seconds, 6),
        }

    def request_flush(self) -> None:
        """Make sure a batch is cut soon, for ops a `before_flush` hook will submit."""
        self._schedule_flush()

    def _gather(self) -> None:
        for hook in self.before_flush:
            hook()

    async def close(self) -> None:
        """Write everything submitted so far, then stop both threads."""
        if self._closed:
            return
        self._gather()
        self._closed = True
        if self._pending or self._in_flight:
            self._drained = self._loop.create_future()
            self._schedule_flush()
            await self._drained
        self._batches.put(None)
        await asyncio.to_thread(self._thread.join)
        await asyncio.to_thread(self._reader.shutdown)

    def _schedule_flush(self) -> None:
        # call_soon runs the flush after the callbacks of this turn, so every op
        # submitted during the turn goes into the same batch.
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._in_flight:
            return  # _done flushes again when the batch in flight completes
        self._gather()
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._in_flight = True
        self._last_in_flight = batch[-1][1]
        self._batches.put(batch)

    def _run(self) -> None:
        while (batch := self._batches.get()) is not None:
            started = time.perf_counter()
            try:
                conflicts = self._store.write([op for op, _ in batch])
            except Exception as exc:
                outcome: tuple[list[Conflict], Exception | None] = ([], exc)
            else:
                outcome = (conflicts, None)
            elapsed = time.perf_counter() - started
            self._loop.call_soon_threadsafe(self._done, batch, *outcome, elapsed)

    def _done(
        self, batch: _Pending, conflicts: list[Conflict], exc: Exception | None, elapsed: float
    ) -> None:
        self._in_flight = False
        self._last_in_flight = None
        self.batches_written += 1
        self._ops_written += len(batch)
        self._largest_batch = max(self._largest_batch, len(batch))
        self._write_seconds += elapsed
        by_index = {conflict.index: conflict for conflict in conflicts}
        for index, (_, future) in enumerate(batch):
            if future.done():  # cancelled by its caller; the op was written all the same
                continue
            if exc is None:
                future.set_result(by_index.get(index))
            else:
                future.set_exception(exc)
        if self._pending:
            self._schedule_flush()
        elif self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
