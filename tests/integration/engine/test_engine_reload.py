"""Putting a new job directory in force while running (SPEC §3, §5)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from apsis.calendars import CalendarLookup
from apsis.engine.clock import FakeClock
from apsis.engine.engine import Engine
from apsis.jobs import load_job_dir

from .harness import START, advance, running_engine, runs_of, write_jobs

MINUTE = timedelta(minutes=1)
HOURLY = "program: {type: no-op}\nschedule: {type: interval, interval: 1h}\n"


def reload(engine: Engine, root: Path, jobs: dict[str, str]) -> dict[str, list[str]]:
    for path in (root / "jobs").glob("*.yaml"):
        path.unlink()
    write_jobs(root, jobs)
    return engine.replace_jobs(load_job_dir(root / "jobs", CalendarLookup(None)))


def offsets(engine: Engine, job_id: str) -> list[timedelta]:
    return [run.schedule_time - START for run in runs_of(engine, job_id)]


def test_a_job_added_by_a_reload_runs_from_the_reload_on(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"hourly": HOURLY})
    every_10 = "program: {type: no-op}\nschedule: {type: interval, interval: 10 min}\n"

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 35 * MINUTE, 5 * MINUTE)
            report = reload(engine, tmp_path, {"hourly": HOURLY, "new": every_10})
            assert report == {"added": ["new"], "removed": [], "changed": []}
            await advance(engine, clock, START + 60 * MINUTE, 5 * MINUTE)
            assert offsets(engine, "new") == [40 * MINUTE, 50 * MINUTE, 60 * MINUTE]
            assert offsets(engine, "hourly") == [60 * MINUTE]
        # Nor does a restart catch up on the times before the job was added.
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 70 * MINUTE, 5 * MINUTE)
            assert offsets(engine, "new") == [40 * MINUTE, 50 * MINUTE, 60 * MINUTE, 70 * MINUTE]

    asyncio.run(body())


def test_a_changed_schedule_continues_without_creating_a_time_twice(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": HOURLY})
    half_hourly = "program: {type: no-op}\nschedule: {type: interval, interval: 30 min}\n"

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 75 * MINUTE, 15 * MINUTE)
            assert reload(engine, tmp_path, {"job": half_hourly})["changed"] == ["job"]
            await advance(engine, clock, START + 150 * MINUTE, 15 * MINUTE)
            assert offsets(engine, "job") == [m * MINUTE for m in (60, 90, 120, 150)]

    asyncio.run(body())


def test_a_time_due_just_before_a_reload_is_created_once(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": HOURLY})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            # The clock passes 01:00 and the reload comes before the engine notices.
            clock.set(START + 61 * MINUTE)
            reload(engine, tmp_path, {"job": HOURLY, "other": HOURLY})
            await advance(engine, clock, START + 120 * MINUTE, 30 * MINUTE)
            assert offsets(engine, "job") == [60 * MINUTE, 120 * MINUTE]
            assert offsets(engine, "other") == [120 * MINUTE]

    asyncio.run(body())


def test_a_removed_job_creates_no_more_runs(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"job": HOURLY, "gone": HOURLY})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, START + 60 * MINUTE, 30 * MINUTE)
            assert reload(engine, tmp_path, {"job": HOURLY})["removed"] == ["gone"]
            await advance(engine, clock, START + 180 * MINUTE, 30 * MINUTE)
            assert offsets(engine, "gone") == [60 * MINUTE]
            assert len(offsets(engine, "job")) == 3

    asyncio.run(body())
