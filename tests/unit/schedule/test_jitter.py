from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from apsis.schedule import parse_schedule

START = datetime(2026, 11, 21, tzinfo=UTC)
HOURLY = {"type": "interval", "interval": "1h", "jitter": "10 min"}


def first_runs(job_id: str, start: datetime = START, count: int = 24) -> list:
    return list(itertools.islice(parse_schedule(HOURLY).runs(start, job_id), count))


def test_jitter_delays_each_run_within_its_bound_in_whole_seconds() -> None:
    for run in first_runs("etl/load"):
        offset = run.time - run.nominal
        assert timedelta(0) <= offset < timedelta(minutes=10)
        assert offset.microseconds == 0


def test_jitter_is_the_same_after_a_restart() -> None:
    before = first_runs("etl/load")
    after = first_runs("etl/load", start=START + timedelta(hours=5), count=19)
    assert after == before[5:]


def test_jitter_differs_between_jobs_and_times() -> None:
    a = [r.time - r.nominal for r in first_runs("etl/load")]
    b = [r.time - r.nominal for r in first_runs("etl/extract")]
    assert a != b
    assert len(set(a)) > 12


def test_without_jitter_runs_are_due_at_their_nominal_time() -> None:
    schedule = parse_schedule({"type": "interval", "interval": "1h"})
    run = next(schedule.runs(START, "j"))
    assert run.time == run.nominal == START
