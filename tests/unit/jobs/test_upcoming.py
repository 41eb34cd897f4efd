"""upcoming_runs: many jobs' schedules merged over a window, in due-time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from apsis.jobs import parse_job
from apsis.jobs.preview import preview_runs, upcoming_runs
from apsis.model.job import Job

START = datetime(2030, 1, 1, tzinfo=UTC)
END = START + timedelta(days=1)


def job(job_id: str, schedule: Any, params: list[str] | None = None) -> Job:
    data = {"schedule": schedule, "program": {"type": "no-op"}, "params": params or []}
    return parse_job(data, job_id, {})


def times(found: list[Any]) -> list[tuple[str, str]]:
    return [(item.job_id, item.run.time.strftime("%H:%M:%S")) for item in found]


def test_jobs_merge_in_time_order_ties_in_job_order() -> None:
    jobs = [
        job("b", {"type": "interval", "interval": "8h"}),
        job("a", {"type": "daily", "tz": "UTC", "daytime": ["08:00", "09:00"]}),
    ]
    found, more = upcoming_runs(jobs, START, END, 10)
    assert times(found) == [
        ("b", "00:00:00"), ("b", "08:00:00"), ("a", "08:00:00"), ("a", "09:00:00"),
        ("b", "16:00:00"),
    ]  # fmt: skip
    assert not more


def test_limit_cuts_and_says_so() -> None:
    jobs = [job("a", {"type": "interval", "interval": "1h"})]
    found, more = upcoming_runs(jobs, START, END, 24)
    assert len(found) == 24 and not more
    found, more = upcoming_runs(jobs, START, END, 23)
    assert len(found) == 23 and more


def test_args_are_narrowed_to_the_params() -> None:
    jobs = [job("a", {"type": "interval", "interval": "12h", "args": {"x": "1"}}, ["date"])]
    found, _ = upcoming_runs(jobs, START, END, 10)
    assert [dict(item.run.args) for item in found] == [{"date": "2030-01-01"}] * 2


def test_only_nominal_times_after_the_horizon() -> None:
    jobs = [job("a", {"type": "interval", "interval": "1h"})]
    found, _ = upcoming_runs(jobs, START, END, 100, after=START + timedelta(hours=5))
    assert times(found)[0] == ("a", "06:00:00")
    # A horizon before start changes nothing.
    early, _ = upcoming_runs(jobs, START, END, 100, after=START - timedelta(hours=5))
    assert early == upcoming_runs(jobs, START, END, 100)[0]
    assert early[0].run.time == START


def test_jittered_runs_are_in_due_time_order_and_due_within_the_window() -> None:
    schedule = [
        {"type": "interval", "interval": "30m", "jitter": "25m"},
        {"type": "daily", "tz": "UTC", "daytime": "02:00", "jitter": "2h"},
    ]
    jobs = [job("a", schedule)]
    start = START + timedelta(minutes=10)
    found, _ = upcoming_runs(jobs, start, END, 1000)
    due = [item.run.time for item in found]
    assert due == sorted(due)
    assert all(start <= time < END for time in due)
    # A run due after start whose nominal time is before it counts too.
    assert any(item.run.nominal < start for item in found)
    later = [item.run for item in found if item.run.nominal >= start]
    assert later[:20] == preview_runs(jobs[0], start, 20)


def test_a_schedule_that_cannot_go_on_ends_there() -> None:
    """The daily schedule's next time would be in year 10000; the hourly one goes on."""
    jobs = [
        job("a", {"type": "daily", "tz": "UTC", "daytime": "02:00"}),
        job("b", {"type": "interval", "interval": "1h"}),
    ]
    late = datetime(9999, 12, 31, 12, tzinfo=UTC)
    found, more = upcoming_runs(jobs, late, datetime.max.replace(tzinfo=UTC), 100)
    assert times(found) == [("b", f"{hour}:00:00") for hour in range(12, 24)]
    assert not more
