"""A simulated day of the bundled demo jobs: real job files, real processes, real
SQLite, a fake clock moved ten minutes at a time."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from apsis.engine.clock import FakeClock
from apsis.model.state import State
from apsis.schedule import ScheduledRun

from .harness import START, advance, running_engine, runs_of

EXAMPLES = Path(__file__).parents[3] / "examples"
END = START + timedelta(hours=30)  # to 19:30 New York, when the alarm checks


def before_end(run: ScheduledRun) -> bool:
    return run.nominal <= END


def test_a_day_of_the_demo_jobs_runs_every_scheduled_time_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(EXAMPLES / "jobs", tmp_path / "jobs")
    shutil.copytree(EXAMPLES / "calendars", tmp_path / "calendars")
    (tmp_path / "var" / "demo").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)  # the stats job appends to var/demo/stats.jsonl

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock, "calendars: {dir: calendars}\n") as engine:
            await advance(engine, clock, END, timedelta(minutes=10))
            for job_id, job in engine.jobs.jobs.items():
                runs = job.scheduled_runs(START + timedelta(microseconds=1))
                expected = [run.time for run in itertools.takewhile(before_end, runs)]
                created = [run.schedule_time for run in runs_of(engine, job_id)]
                if job_id == "etl/publish":
                    continue  # started by other jobs' actions, not by a schedule
                assert sorted(created) == sorted(expected), job_id
            states = {
                job_id: {run.state for run in runs_of(engine, job_id)}
                for job_id in engine.jobs.jobs
            }
            # Monday 2026-11-23: a trading day, so the price chain and its alarm ran.
            assert states["etl/extract prices"] == {State.success}
            assert states["etl/load prices"] == {State.success}
            assert states["etl/report"] == {State.success}
            assert states["alarms/prices arrived"] == {State.success}
            assert states["misc/demo failure"] == {State.failure}
            assert states["etl/publish"] == {State.success}
            assert states["misc/wait for file"] == {State.waiting}  # no vendor file today
            assert all(run.finished or run.job_id == "misc/wait for file" for run in engine.index)
            assert not any(run.state == State.error for run in engine.index)
            stats_runs = len(runs_of(engine, "housekeeping/stats"))
        assert stats_runs == 30
        assert (tmp_path / "var" / "demo" / "stats.jsonl").read_text().count("\n") == stats_runs

    asyncio.run(body())
