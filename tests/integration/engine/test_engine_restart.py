"""A new engine on the same root takes over where the last one stopped (SPEC §5, §11)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from apsis.engine.clock import FakeClock
from apsis.timespec import parse_time

from .harness import (
    START,
    advance,
    idle,
    run_log,
    run_log_now,
    running_engine,
    runs_of,
    settle,
    stored_runs,
    wait_state,
    write_jobs,
)

HOUR = timedelta(hours=1)
HOURLY = "program: {type: no-op}\nschedule: {type: interval, interval: 1h}\n"


def hours(records: list[dict[str, Any]]) -> list[float]:
    """Each stored run's schedule time, in hours after START."""
    return [(parse_time(r["times"]["schedule"]) - START) / HOUR for r in records]


def by_hour(records: list[dict[str, Any]]) -> dict[float, str]:
    """Stored state by schedule hour; fails if any hour has two runs."""
    times = hours(records)
    assert Counter(times).most_common(1)[0][1] == 1, f"a time was created twice: {times}"
    return {hour: record["state"] for hour, record in zip(times, records, strict=True)}


async def reasons(engine: Any, records: list[dict[str, Any]], state: str) -> set[str]:
    """The last run-log line of each stored run in `state`."""
    found = set()
    for record in records:
        if record["state"] == state:
            log = await engine.writer.read(engine.store.get_run_log, record["run_id"])
            found.add(log[-1][1])
    return found


def test_restart_creates_no_time_twice_and_never_reuses_a_run_number(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"hourly": HOURLY, "manual": "program: {type: no-op}"})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 3 * HOUR, timedelta(minutes=20))
            later = engine.schedule("manual", {}, START + 5 * HOUR)
            await idle(engine)
            first_numbers = {r.number for r in engine.index}
        # Two restarts at the same instant, then one later on.
        async with running_engine(tmp_path, clock) as engine:
            pass
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 6 * HOUR, timedelta(minutes=20))
            assert by_hour(await stored_runs(engine, "hourly")) == {
                h: "success" for h in range(1, 7)
            }
            (manual,) = await stored_runs(engine, "manual")
            assert (manual["run_id"], manual["state"]) == (later.run_id, "success")
            new = [r for r in engine.index if r.run_id not in {f"r{n}" for n in first_numbers}]
            assert len(new) == 3
            assert min(r.number for r in new) > max(first_numbers)
            numbers = [r["run_id"] for r in await stored_runs(engine)]
            assert len(numbers) == len(set(numbers))

    asyncio.run(body())


def test_missed_times_follow_each_jobs_catchup_policy(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "all": HOURLY,
            "latest": f"{HOURLY}catchup: latest\n",
            "none": f"{HOURLY}catchup: none\n",
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 2 * HOUR, timedelta(minutes=30))
        clock.set(START + 6 * HOUR)  # down from 2h to 6h: 3h, 4h, 5h and 6h are missed
        async with running_engine(tmp_path, clock) as engine:
            await idle(engine)
            await advance(engine, clock, START + 7 * HOUR, timedelta(minutes=30))
            ran = {h: "success" for h in (1, 2)}
            after = {7: "success"}
            records = {job: await stored_runs(engine, job) for job in ("all", "latest", "none")}
            assert by_hour(records["all"]) == {
                **ran,
                **{h: "success" for h in range(3, 7)},
                **after,
            }
            assert by_hour(records["latest"]) == {
                **ran,
                **{h: "skipped" for h in range(3, 6)},
                6: "success",
                **after,
            }
            assert by_hour(records["none"]) == {
                **ran,
                **{h: "skipped" for h in range(3, 7)},
                **after,
            }
            assert await reasons(engine, records["latest"], "skipped") == {
                "skipped: missed; a later missed time runs instead (catchup: latest)"
            }
            assert await reasons(engine, records["none"], "skipped") == {
                "skipped: missed while the service was down (catchup: none)"
            }
            # Caught-up runs ran at once, at the restart.
            (latest,) = [
                r for r in runs_of(engine, "latest") if r.schedule_time == START + 6 * HOUR
            ]
            assert latest.times["running"] == START + 6 * HOUR

    asyncio.run(body())


@pytest.mark.parametrize(
    ("config", "skipped", "reason"),
    [
        (
            "schedule: {since: now}",
            [3, 4, 5, 6],
            "skipped: missed while the service was down (since: now)",
        ),
        (
            "schedule: {since: '2026-11-23T04:30:00Z'}",
            [3, 4],
            "skipped: missed, before schedule.since 2026-11-23T04:30:00Z",
        ),
        ("schedule: {max_age: 2h}", [3], "skipped: missed, older than schedule.max_age"),
    ],
)
def test_missed_times_follow_the_schedule_config(
    tmp_path: Path, config: str, skipped: list[int], reason: str
) -> None:
    write_jobs(tmp_path, {"hourly": HOURLY})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock, config) as engine:
            await advance(engine, clock, START + 2 * HOUR, timedelta(minutes=30))
        clock.set(START + 6 * HOUR)
        async with running_engine(tmp_path, clock, config) as engine:
            await advance(engine, clock, START + 7 * HOUR, timedelta(minutes=30))
            records = await stored_runs(engine, "hourly")
            assert by_hour(records) == {
                h: "skipped" if h in skipped else "success" for h in range(1, 8)
            }
            assert await reasons(engine, records, "skipped") == {reason}

    asyncio.run(body())


def test_a_local_process_running_at_restart_ends_in_error(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"long": "program: 'sleep 30'"})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            run = engine.schedule("long", {})
            await wait_state(engine, run, "running")
            pid = run.meta["program"]["pid"]
        # The old engine did not leave the process behind, running for nobody.
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        async with running_engine(tmp_path, clock) as engine:
            await idle(engine)
            (restored,) = runs_of(engine, "long")
            assert restored.run_id == run.run_id
            assert restored.state.value == "error"
            last = (await run_log(engine, restored))[-1]
            assert last.startswith("error: lost at restart")
            assert str(pid) in last

    asyncio.run(body())


def test_a_waiting_run_still_times_out_after_a_restart(tmp_path: Path) -> None:
    write_jobs(
        tmp_path, {"never": "program: {type: no-op}\ncondition: {type: const, value: false}"}
    )
    config = "waiting: {max_time: 10 min}"

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock, config) as engine:
            run = engine.schedule("never", {})
            await idle(engine)
            assert run.state.value == "waiting"
        clock.set(START + timedelta(minutes=5))
        async with running_engine(tmp_path, clock, config) as engine:
            (restored,) = runs_of(engine, "never")
            await advance(engine, clock, START + timedelta(minutes=9), timedelta(minutes=1))
            assert restored.state.value == "waiting"
            await advance(engine, clock, START + timedelta(minutes=10), timedelta(minutes=1))
            assert restored.state.value == "error"
            assert restored.times["error"] == START + timedelta(minutes=10)
            last = (await run_log(engine, restored))[-1]
            assert last == "error: waiting: timeout after 600 s"

    asyncio.run(body())


def test_a_waiting_run_is_released_by_its_dependency_after_a_restart(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "params: [date]\nprogram: {type: no-op}",
            "b": "params: [date]\nprogram: {type: no-op}\ncondition: {type: dependency, job_id: a}",
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            engine.schedule("b", {"date": "2026-11-23"})
            await idle(engine)
        async with running_engine(tmp_path, clock) as engine:
            (b,) = runs_of(engine, "b")
            assert b.state.value == "waiting"
            engine.schedule("a", {"date": "2026-11-23"})
            await idle(engine)
            assert b.state.value == "success"

    asyncio.run(body())


def test_a_reconnected_run_is_still_stopped_at_its_stop_time(tmp_path: Path) -> None:
    at = START + HOUR
    write_jobs(
        tmp_path,
        {
            "job": (
                "program: {type: no-op, duration: 30}\n"
                "schedule:\n"
                f"  start: {{type: explicit, times: '{at.isoformat()}'}}\n"
                "  stop: {type: duration, duration: 10 min}\n"
            )
        },
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            clock.set(at)
            await settle(lambda: len(runs_of(engine, "job")) == 1, message="the run")
            (run,) = runs_of(engine, "job")
            await wait_state(engine, run, "running")
        clock.set(at + timedelta(minutes=1))
        async with running_engine(tmp_path, clock) as engine:
            (run,) = runs_of(engine, "job")
            assert run.state.value == "running"
            assert "reconnected after restart" in await run_log_now(engine, run)
            clock.set(at + timedelta(minutes=10))
            await wait_state(engine, run, "success")
            assert run.times["stopping"] == at + timedelta(minutes=10)
            assert (await run_log(engine, run))[-2:] == ["stopping: stop time reached", "success"]

    asyncio.run(body())
