"""Programs that run too long: timeouts (SPEC §4) and stop schedules (SPEC §5)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from apsis.engine.clock import FakeClock

from .harness import (
    START,
    idle,
    run_log,
    running_engine,
    runs_of,
    settle,
    stored_run,
    wait_state,
    write_jobs,
)


def test_a_program_past_its_timeout_fails_with_the_reason(tmp_path: Path) -> None:
    write_jobs(
        tmp_path, {"slow": "program: {type: shell, command: 'sleep 5', timeout: {duration: 0.3}}"}
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            began = time.monotonic()
            run = engine.schedule("slow", {})
            await idle(engine)
            assert time.monotonic() - began < 3
            assert run.state.value == "failure"
            assert run.meta["program"]["signal"] == "SIGTERM"
            assert (await run_log(engine, run))[-1] == "failure: timeout after 0.3 s"
            assert (await stored_run(engine, run))["state"] == "failure"

    asyncio.run(body())


def stop_schedule_job(stop: str) -> str:
    at = (START + timedelta(hours=1)).isoformat()
    return (
        "program: 'sleep 30'\n"
        "schedule:\n"
        f"  start: {{type: explicit, times: '{at}'}}\n"
        f"  stop: {stop}\n"
    )


async def stopped_at_its_stop_time(
    tmp_path: Path, clock: FakeClock, stop_at: timedelta
) -> list[str]:
    """Run the job to its stop time; the run log of its one run."""
    async with running_engine(tmp_path, clock) as engine:
        clock.set(START + timedelta(hours=1))
        await settle(lambda: len(runs_of(engine, "job")) == 1, message="the run")
        (run,) = runs_of(engine, "job")
        await wait_state(engine, run, "running")
        assert run.times["stop"] == START + stop_at
        clock.set(START + stop_at - timedelta(seconds=1))
        await asyncio.sleep(0.1)
        assert run.state.value == "running"
        clock.set(START + stop_at)
        await wait_state(engine, run, "success")
        assert run.times["stopping"] == START + stop_at
        assert run.meta["program"]["stopped"] is True
        stored = await stored_run(engine, run)
        assert stored["times"]["stop"] == stored["times"]["stopping"]
        return await run_log(engine, run)


def test_a_duration_stop_schedule_stops_the_run_at_its_stop_time(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": stop_schedule_job("{type: duration, duration: 10 min}")})

    async def body() -> None:
        clock = FakeClock(START)
        log = await stopped_at_its_stop_time(tmp_path, clock, timedelta(hours=1, minutes=10))
        assert log[-2:] == ["stopping: stop time reached", "success"]

    asyncio.run(body())


def test_a_daytime_stop_schedule_stops_the_run_at_the_next_daytime(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": stop_schedule_job("{type: daytime, daytime: '03:30', tz: UTC}")})

    async def body() -> None:
        clock = FakeClock(START)
        log = await stopped_at_its_stop_time(tmp_path, clock, timedelta(hours=3, minutes=30))
        assert log[-2:] == ["stopping: stop time reached", "success"]

    asyncio.run(body())


def test_a_run_that_ends_before_its_stop_time_is_left_alone(tmp_path: Path) -> None:
    at = (START + timedelta(hours=1)).isoformat()
    write_jobs(
        tmp_path,
        {
            "job": (
                "program: 'exit 0'\n"
                "schedule:\n"
                f"  start: {{type: explicit, times: '{at}'}}\n"
                "  stop: {type: duration, duration: 10 min}\n"
            )
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            clock.set(START + timedelta(hours=1))
            await settle(lambda: len(runs_of(engine, "job")) == 1, message="the run")
            (run,) = runs_of(engine, "job")
            await idle(engine)
            clock.set(START + timedelta(hours=2))
            await idle(engine)
            assert run.state.value == "success"
            assert "stopping" not in run.times
            assert (await run_log(engine, run))[-1] == "success"

    asyncio.run(body())
