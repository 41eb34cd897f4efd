"""A job's runs and its upcoming schedule, under job IDs with slashes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_service import Service

JOBS = {
    "etl/load": """
        params: [region, date]
        program: {type: no-op}
        schedule:
          - {type: daily, tz: UTC, daytime: "02:00", args: {region: emea}}
          - {type: daily, tz: UTC, daytime: "14:00", args: {region: apac}}
    """,
    # An ID ending in a reserved suffix: /jobs/etl/load/runs means the runs of etl/load.
    "etl/load/runs": """
        program: {type: no-op}
    """,
    "etl/stop": """
        program: {type: no-op}
        schedule:
          start: {type: daily, tz: UTC, daytime: "09:00"}
          stop: {type: duration, duration: 1h}
    """,
}


@pytest.fixture(scope="module")
def etl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    live = Service(tmp_path_factory.mktemp("etl"), JOBS)
    live.start()
    yield live
    live.client.close()
    assert live.stop() == 0, live.log


def test_job_runs_are_newest_first_in_pages_of_limit(etl: Service) -> None:
    run_ids = [etl.schedule("etl/load", {"region": "emea", "date": f"d{i}"}) for i in range(5)]
    for run_id in run_ids:
        etl.wait_state(run_id, "success")
    page = etl.get("/jobs/etl/load/runs", limit=3).json()
    assert set(page) == {"when", "runs", "next", "prev"}
    assert list(page["runs"]) == run_ids[::-1][:3]
    assert page["runs"][run_ids[-1]]["program"]["type"] == "no-op"  # full by default
    rest = etl.get("/jobs/etl/load/runs", limit=3, before=page["next"], summary="true").json()
    assert list(rest["runs"]) == run_ids[::-1][3:]
    assert rest["next"] is None
    assert "program" not in rest["runs"][run_ids[0]]
    # The default page is 100 runs: all of them here.
    assert list(etl.get("/jobs/etl/load/runs").json()["runs"]) == run_ids[::-1]


def test_reserved_suffixes_leave_the_job_routes_working(etl: Service) -> None:
    assert etl.get("/jobs/etl/load").json()["job_id"] == "etl/load"
    # The job whose ID ends in /runs is reached by its fuzzy form, and listed.
    assert etl.get("/jobs/etl load runs").json()["job_id"] == "etl/load/runs"
    assert "etl/load/runs" in [job["job_id"] for job in etl.get("/jobs").json()]
    run_id = etl.schedule("etl/load/runs")
    etl.wait_state(run_id, "success")
    assert run_id not in etl.get("/jobs/etl/load/runs").json()["runs"]
    assert list(etl.get("/jobs/etl/load/runs/runs").json()["runs"]) == [run_id]


def test_job_runs_accept_a_fuzzy_id_and_404_an_unknown_one(etl: Service) -> None:
    run_id = etl.schedule("etl/stop")
    etl.wait_state(run_id, "success")
    assert run_id in etl.get("/jobs/etl sto/runs").json()["runs"]
    response = etl.get("/jobs/no such job/runs")
    assert response.status_code == 404
    assert response.json() == {"error": "no job 'no such job'"}
    assert etl.get("/jobs/etl/runs").status_code == 400  # ambiguous: three etl jobs


def test_schedule_lists_upcoming_times_and_args_from_start(etl: Service) -> None:
    response = etl.get("/jobs/etl/load/schedule", count=3, start="2030-01-01T00:00:00Z")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "job_id": "etl/load",
        "runs": [
            {"time": "2030-01-01T02:00:00Z", "args": {"region": "emea", "date": "2030-01-01"}},
            {"time": "2030-01-01T14:00:00Z", "args": {"region": "apac", "date": "2030-01-01"}},
            {"time": "2030-01-02T02:00:00Z", "args": {"region": "emea", "date": "2030-01-02"}},
        ],
    }
    stop = etl.get("/jobs/etl/stop/schedule", count=1, start="2030-01-01T00:00:00Z").json()
    assert stop["runs"] == [
        {"time": "2030-01-01T09:00:00Z", "args": {}, "stop": "2030-01-01T10:00:00Z"}
    ]


def test_schedule_defaults_to_ten_runs_from_now(etl: Service) -> None:
    runs = etl.get("/jobs/etl/load/schedule").json()["runs"]
    assert len(runs) == 10
    assert [run["time"] for run in runs] == sorted(run["time"] for run in runs)
    assert etl.get("/jobs/etl/load/runs/schedule").json()["runs"] == []  # no schedules


def test_schedule_rejects_bad_start_and_count(etl: Service) -> None:
    bad_start = etl.get("/jobs/etl/load/schedule", start="tuesday")
    assert bad_start.status_code == 400
    assert bad_start.json()["error"].startswith("start: ")
    for count in ("0", "1001", "many"):
        response = etl.get("/jobs/etl/load/schedule", count=count)
        assert response.status_code == 400, count
        assert "count" in response.json()["error"]
    assert etl.get("/jobs/nothing/schedule").status_code == 404


def test_schedule_ends_where_the_calendar_does(etl: Service) -> None:
    """Near year 9999 the daily times run out: the preview ends where the first of the
    job's schedules can say no more (its 02:00 time on 10000-01-01), not in a 500."""
    response = etl.get("/jobs/etl/load/schedule", count=10, start="9999-12-30T00:00:00Z")
    assert response.status_code == 200, response.text
    times = [run["time"] for run in response.json()["runs"]]
    assert times == [
        "9999-12-30T02:00:00Z",
        "9999-12-30T14:00:00Z",
        "9999-12-31T02:00:00Z",
    ]
