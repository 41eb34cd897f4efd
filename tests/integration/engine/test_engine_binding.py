"""A run that cannot be bound is stored in error with the reason (SPEC §3.3)."""

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
    stored_run,
    stored_runs,
    write_jobs,
)


def test_a_program_template_whose_helper_raises_errors_the_run(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": "params: [date]\nprogram: 'echo {{ Date(date) + 1 }}'"})

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            good = engine.schedule("job", {"date": "2026-11-23"})
            bad = engine.schedule("job", {"date": "someday"})
            await idle(engine)
            assert states([good, bad]) == ["success", "error"]
            assert bad.program is None
            assert "running" not in bad.times
            stored = await stored_run(engine, bad)
            assert stored["state"] == "error"
            log = await run_log(engine, bad)
            assert len(log) == 1
            assert log[0].startswith("error: program.command: cannot render ")
            assert log[0].endswith("'someday' is not a date")

    asyncio.run(body())


def test_a_condition_that_cannot_be_bound_errors_the_run(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "params: [date]\nprogram: {type: no-op}",
            "b": (
                "params: [date]\nprogram: {type: no-op}\n"
                "condition: {type: max_running, count: '{{ date }}'}"
            ),
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("b", {"date": "2026-11-23"})
            await idle(engine)
            assert run.state.value == "error"
            assert (await run_log(engine, run))[0] == (
                "error: condition[0].count: '2026-11-23' is not a positive integer"
            )

    asyncio.run(body())


def test_a_scheduled_time_that_cannot_be_bound_is_stored_in_error(tmp_path: Path) -> None:
    # Only 02:00 on the test's day divides by zero: loading binds the first instance
    # after the real now, which must bind whatever the hour this test runs at.
    write_jobs(
        tmp_path,
        {
            "job": (
                "params: [time]\n"
                'program: "echo {{ 1 // (2 - time[11:13] | int)'
                f" if time[:10] == '{START.date()}' else 0 }}}}\"\n"
                "schedule: {type: interval, interval: 1h}\n"
            )
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + timedelta(hours=3), timedelta(hours=1))
            assert states(runs_of(engine, "job")) == ["success", "error", "success"]
            records = await stored_runs(engine, "job")
            assert [r["state"] for r in records] == ["success", "error", "success"]
            log = await run_log(engine, runs_of(engine, "job")[1])
            assert log[0].startswith("error: program.command: cannot render ")

    asyncio.run(body())
