"""Automatic reruns of failed runs (SPEC §3.1 `retry`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from apsis.engine.clock import FakeClock

from .harness import (
    START,
    advance,
    idle,
    run_log,
    running_engine,
    runs_of,
    states,
    stored_runs,
    write_jobs,
)

MINUTE = timedelta(minutes=1)


def test_a_failing_run_is_retried_count_times_after_the_delay(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {"job": "params: [date]\nprogram: 'exit 1'\nretry: {count: 2, delay: 1 min}"},
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            first = engine.schedule("job", {"date": "2026-11-23"})
            await idle(engine)
            await advance(engine, clock, START + 10 * MINUTE, timedelta(seconds=15))
            runs = runs_of(engine, "job")
            assert len(runs) == 3
            assert states(runs) == ["failure"] * 3
            assert [r.schedule_time for r in runs] == [START, START + MINUTE, START + 2 * MINUTE]
            assert [r.times["running"] for r in runs] == [START, START + MINUTE, START + 2 * MINUTE]
            assert [r.rerun_of for r in runs] == [None, runs[0].run_id, runs[1].run_id]
            assert [r.meta.get("retry") for r in runs] == [
                None,
                {"attempt": 1, "of": 2},
                {"attempt": 2, "of": 2},
            ]
            assert all(r.args == {"date": "2026-11-23"} for r in runs)
            assert runs[0] is first
            log = await run_log(engine, runs[2])
            assert log[0] == (
                f"scheduled: 2026-11-23T00:02:00Z; retry 2 of 2 after {runs[1].run_id} (failure)"
            )
            assert len(await stored_runs(engine, "job")) == 3

    asyncio.run(body())


def test_a_retry_that_succeeds_ends_the_retries(tmp_path: Path) -> None:
    flag = tmp_path / "failed-once"
    write_jobs(
        tmp_path,
        {
            "job": (
                f"program: 'test -e {flag} || {{ touch {flag}; exit 1; }}'\n"
                "retry: {count: 3, delay: 1 min}"
            )
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            engine.schedule("job", {})
            await advance(engine, clock, START + 10 * MINUTE, timedelta(seconds=30))
            runs = runs_of(engine, "job")
            assert states(runs) == ["failure", "success"]
            assert runs[1].rerun_of == runs[0].run_id

    asyncio.run(body())


def test_retry_delays_grow_by_the_backoff_up_to_max_delay(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "job": (
                "program: 'exit 1'\nretry: {count: 3, delay: 1 min, backoff: 3, max_delay: 5 min}"
            )
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            engine.schedule("job", {})
            await idle(engine)
            await advance(engine, clock, START + 30 * MINUTE, timedelta(seconds=30))
            runs = runs_of(engine, "job")
            # 1 min, then 3 min, then 9 min capped at 5 min.
            assert [r.schedule_time - START for r in runs] == [
                timedelta(0),
                MINUTE,
                4 * MINUTE,
                9 * MINUTE,
            ]

    asyncio.run(body())


def test_marking_a_finished_run_does_not_retry_it(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": "program: 'exit 1'\nretry: {count: 1, delay: 1 min}"})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            first = engine.schedule("job", {})
            ok = engine.schedule("job", {})
            await idle(engine)
            assert len(runs_of(engine, "job")) == 4  # two runs, one retry each
            engine.ops.mark(first, "error")
            await advance(engine, clock, START + 5 * MINUTE, timedelta(seconds=30))
            assert len(runs_of(engine, "job")) == 4
            assert [r.rerun_of for r in runs_of(engine, "job")].count(first.run_id) == 1
            engine.ops.mark(ok, "success")
            engine.ops.mark(ok, "failure")
            await advance(engine, clock, START + 10 * MINUTE, timedelta(seconds=30))
            assert len(runs_of(engine, "job")) == 4

    asyncio.run(body())
