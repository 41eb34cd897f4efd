"""GroupWriter: one transaction per event-loop turn, in order, off the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from apsis.store import AppendLog, Conflict, GroupWriter, InsertRun, Op, Store, UpdateRun

from .records import T0, record


class Recorder:
    """Wraps `store.write` to record each batch and optionally hold it until released."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.batches: list[list[Op]] = []
        self.threads: set[str] = set()
        self.release = threading.Event()
        self.release.set()
        self._write = store.write
        monkeypatch.setattr(store, "write", self.write)

    def write(self, ops: Sequence[Op]) -> list[Conflict]:
        self.batches.append(list(ops))
        self.threads.add(threading.current_thread().name)
        self.release.wait(timeout=5)
        return self._write(ops)


def test_ops_submitted_in_one_turn_are_one_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(store, monkeypatch)

    async def main() -> list[Any]:
        writer = GroupWriter(store)
        futures = [writer.submit(InsertRun(record(n))) for n in range(1, 101)]
        futures += [writer.submit(AppendLog(f"r{n}", T0, "created")) for n in range(1, 101)]
        results = await asyncio.gather(*futures)
        assert writer.batches_written == 1
        assert writer.stats()["largest_batch"] == 200
        await writer.close()
        return results

    assert asyncio.run(main()) == [None] * 200
    assert len(recorder.batches) == 1
    assert recorder.threads == {"apsis-store-writer"}
    assert store.count_runs() == 100


def test_ops_arriving_during_a_write_wait_for_one_next_batch_in_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(store, monkeypatch)
    recorder.release.clear()

    async def main() -> None:
        writer = GroupWriter(store)
        first = writer.submit(InsertRun(record(1, state="new")))
        while not recorder.batches:  # the first batch is being written
            await asyncio.sleep(0.001)
        later = [writer.submit(UpdateRun(record(1, state="scheduled"), "new"))]
        await asyncio.sleep(0)
        later.append(writer.submit(UpdateRun(record(1, state="waiting"), "scheduled")))
        await asyncio.sleep(0)
        later.append(writer.submit(AppendLog("r1", T0, "waiting")))
        assert not first.done()
        recorder.release.set()
        assert await first is None
        assert await asyncio.gather(*later) == [None, None, None]
        await writer.close()

    asyncio.run(main())
    assert [len(batch) for batch in recorder.batches] == [1, 3]
    assert store.get_run("r1") == record(1, state="waiting")


def test_each_future_gets_its_own_ops_conflict(store: Store) -> None:
    store.write([InsertRun(record(1, state="running"))])

    async def main() -> list[Conflict | None]:
        writer = GroupWriter(store)
        futures = [
            writer.submit(UpdateRun(record(1, state="stopping"), "running")),
            writer.submit(UpdateRun(record(1, state="success"), "running")),
            writer.submit(UpdateRun(record(1, state="failure"), "stopping")),
        ]
        results = await asyncio.gather(*futures)
        await writer.close()
        return results

    assert asyncio.run(main()) == [None, Conflict("r1", "running", "stopping", index=1), None]
    assert store.get_run("r1") == record(1, state="failure")


def test_a_failing_batch_fails_all_its_futures_and_the_next_batch_still_runs(
    store: Store,
) -> None:
    store.write([InsertRun(record(1))])

    async def main() -> None:
        writer = GroupWriter(store)
        failing = [writer.submit(InsertRun(record(2))), writer.submit(InsertRun(record(1)))]
        outcomes = await asyncio.gather(*failing, return_exceptions=True)
        assert all(isinstance(o, sa.exc.IntegrityError) for o in outcomes)
        assert await writer.submit(InsertRun(record(3))) is None
        await writer.close()

    asyncio.run(main())
    assert store.get_run("r2") is None
    assert store.get_run("r3") is not None


def test_close_writes_what_was_submitted_and_refuses_more(store: Store) -> None:
    async def main() -> None:
        writer = GroupWriter(store)
        for n in range(1, 6):
            writer.submit(InsertRun(record(n)))
        await writer.close()
        with pytest.raises(RuntimeError, match="closed"):
            writer.submit(InsertRun(record(6)))

    asyncio.run(main())
    assert store.count_runs() == 5


def test_reads_run_on_the_reader_thread(store: Store) -> None:
    store.write([InsertRun(record(1))])

    async def main() -> tuple[Any, ...]:
        writer = GroupWriter(store)
        run = await writer.read(store.get_run, "r1")
        page = await writer.read(store.query_runs, job_id="etl/load", limit=1)
        thread = await writer.read(lambda: threading.current_thread().name)
        await writer.close()
        return run, page, thread

    run, page, thread = asyncio.run(main())
    assert run == record(1)
    assert page == [record(1)]
    assert thread.startswith("apsis-store-reader")


def test_before_flush_hooks_add_their_ops_to_the_batch_being_cut(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(store, monkeypatch)

    async def main() -> None:
        writer = GroupWriter(store)
        lazy: list[Op] = [InsertRun(record(1))]

        def submit_lazy() -> None:
            for op in lazy:
                writer.submit(op)
            lazy.clear()

        writer.before_flush.append(submit_lazy)
        await writer.submit(AppendLog("r1", T0, "created"))
        writer.request_flush()  # a hook with ops and nothing else pending still flushes
        lazy.append(UpdateRun(record(1, state="running"), "new"))
        await writer.barrier()
        await writer.close()

    asyncio.run(main())
    assert [[type(op).__name__ for op in batch] for batch in recorder.batches] == [
        ["AppendLog", "InsertRun"],
        ["UpdateRun"],
    ]
    assert store.get_run("r1") == record(1, state="running")
