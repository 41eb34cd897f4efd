"""The engine creates runs from schedules on time, runs them, and stores them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from apsis.engine.clock import FakeClock

from .harness import START, advance, idle, run_log, running_engine, runs_of, states, write_jobs


def test_a_simulated_day_of_hourly_no_op_runs_all_succeed(tmp_path: Path) -> None:
    write_jobs(
        tmp_path, {"hourly": "program: {type: no-op}\nschedule: {type: interval, interval: 1h}"}
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + timedelta(days=1), timedelta(minutes=10))
            runs = runs_of(engine, "hourly")
            assert [r.schedule_time - START for r in runs] == [
                timedelta(hours=h) for h in range(1, 25)
            ]
            assert set(states(runs)) == {"success"}
            assert [r.number for r in runs] == sorted({r.number for r in runs})

    asyncio.run(body())


def test_shell_runs_capture_output_and_exit_codes(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "good": "params: [date]\nprogram: 'echo hello {{ date }}'",
            "bad": "program: 'echo oops; exit 3'",
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            good = engine.schedule("good", {"date": "2026-11-23"})
            bad = engine.schedule("bad", {})
            await idle(engine)
            assert (good.state.value, bad.state.value) == ("success", "failure")
            output = await engine.writer.read(engine.store.get_output, good.run_id, "output")
            assert output == b"hello 2026-11-23\n"
            assert bad.meta["program"]["return_code"] == 3
            log = await run_log(engine, bad)
            assert log[0] == "scheduled: now"
            assert log[-1] == "failure: exit code 3"

    asyncio.run(body())
