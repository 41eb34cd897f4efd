"""Querying runs: every filter, and cursor paging that neither skips nor repeats."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.store import Cursor, InsertRun, Store

from .records import T0, minutes, record


def ids(runs: list[dict[str, Any]]) -> list[str]:
    return [run["run_id"] for run in runs]


@pytest.fixture
def runs(store: Store) -> Store:
    """Nine runs: three jobs, three schedule times, a few args and states."""
    store.write(
        [
            InsertRun(record(1, "etl/load", "success", T0, {"date": "2026-11-20"})),
            InsertRun(record(2, "etl/extract", "failure", T0, {"date": "2026-11-20"})),
            InsertRun(record(3, "report", "success", T0)),
            InsertRun(record(4, "etl/load", "running", T0 + minutes(5), {"date": "2026-11-21"})),
            InsertRun(record(5, "etl_x", "waiting", T0 + minutes(5))),
            InsertRun(record(6, "report", "failure", T0 + minutes(5))),
            InsertRun(
                record(7, "etl/load", "new", T0 + minutes(10), {"date": "2026-11-21", "n": "2"})
            ),
            InsertRun(record(8, "etl%", "success", T0 + minutes(10))),
            InsertRun(record(9, "etl/load", "error", T0 + minutes(10), {"date": "2026-11-22"})),
        ]
    )
    return store


def test_all_runs_newest_first_with_run_number_breaking_ties(runs: Store) -> None:
    assert ids(runs.query_runs()) == ["r9", "r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1"]
    assert ids(runs.query_runs(newest_first=False, limit=4)) == ["r1", "r2", "r3", "r4"]


def test_filter_by_job(runs: Store) -> None:
    assert ids(runs.query_runs(job_id="etl/load")) == ["r9", "r7", "r4", "r1"]
    assert runs.query_runs(job_id="etl") == []


def test_filter_by_job_prefix_matches_literally(runs: Store) -> None:
    assert ids(runs.query_runs(job_prefix="etl/")) == ["r9", "r7", "r4", "r2", "r1"]
    assert ids(runs.query_runs(job_prefix="etl")) == ["r9", "r8", "r7", "r5", "r4", "r2", "r1"]
    assert ids(runs.query_runs(job_prefix="etl%")) == ["r8"]
    assert ids(runs.query_runs(job_prefix="etl_")) == ["r5"]
    assert ids(runs.query_runs(job_prefix="ETL")) == []


def test_filter_by_states(runs: Store) -> None:
    assert ids(runs.query_runs(states=["failure", "error"])) == ["r9", "r6", "r2"]
    assert ids(runs.query_runs(job_id="report", states=["failure"])) == ["r6"]
    assert runs.query_runs(states=[]) == []


def test_filter_by_run_ids(runs: Store) -> None:
    assert ids(runs.query_runs(run_ids=["r3", "r7", "r99"])) == ["r7", "r3"]


def test_filter_by_args_needs_every_arg_to_match(runs: Store) -> None:
    assert ids(runs.query_runs(args={"date": "2026-11-21"})) == ["r7", "r4"]
    assert ids(runs.query_runs(args={"date": "2026-11-21", "n": "2"})) == ["r7"]
    assert ids(runs.query_runs(job_id="etl/extract", args={"date": "2026-11-20"})) == ["r2"]
    assert runs.query_runs(args={"date": "2026-11-21", "n": "3"}) == []
    assert runs.query_runs(args={"missing": "x"}) == []


def test_time_bounds(runs: Store) -> None:
    assert ids(runs.query_runs(since=T0 + minutes(10))) == ["r9", "r8", "r7"]
    assert ids(runs.query_runs(before=T0 + minutes(5))) == ["r3", "r2", "r1"]
    after = runs.query_runs(after=T0 + minutes(5), newest_first=False)
    assert ids(after) == ["r7", "r8", "r9"]
    assert ids(runs.query_runs(since=T0 + minutes(5), before=T0 + minutes(10))) == [
        "r6",
        "r5",
        "r4",
    ]


def test_cursor_paging_newest_first_visits_every_run_once(runs: Store) -> None:
    pages, cursor = [], None
    while page := runs.query_runs(before=cursor, limit=2):
        pages.append(ids(page))
        cursor = Cursor.of(page[-1])
    assert pages == [["r9", "r8"], ["r7", "r6"], ["r5", "r4"], ["r3", "r2"], ["r1"]]


def test_cursor_paging_oldest_first_with_filters(runs: Store) -> None:
    pages, cursor = [], None
    query = {"job_prefix": "etl", "newest_first": False, "limit": 3}
    while page := runs.query_runs(after=cursor, **query):
        pages.append(ids(page))
        cursor = Cursor.of(page[-1])
    assert pages == [["r1", "r2", "r4"], ["r5", "r7", "r8"], ["r9"]]


def test_cursor_at_a_run_splits_equal_schedule_times(runs: Store) -> None:
    cursor = Cursor(T0 + minutes(5), "r5")
    assert ids(runs.query_runs(before=cursor)) == ["r4", "r3", "r2", "r1"]
    assert ids(runs.query_runs(after=cursor, newest_first=False)) == ["r6", "r7", "r8", "r9"]


def test_schedule_times_compare_as_instants_whatever_their_offset(store: Store) -> None:
    z_form = record(1)
    z_form["times"]["schedule"] = "2026-11-21T09:00:00Z"  # as the engine writes them
    paris = record(2)
    paris["times"]["schedule"] = "2026-11-21T09:30:00+01:00"  # 08:30 UTC
    store.write([InsertRun(z_form), InsertRun(paris), InsertRun(record(3, schedule=T0))])
    assert ids(store.query_runs(newest_first=False)) == ["r2", "r1", "r3"]
    assert ids(store.query_runs(since=T0)) == ["r3", "r1"]
