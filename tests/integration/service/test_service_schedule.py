"""GET /api/v1/schedule: the runs every job's schedules will create over a window, in
time order, and only those the scheduler has not created yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from live_service import Service

JOBS = {
    "etl/tick": """
        params: [date]
        metadata: {labels: [etl]}
        schedule: {type: interval, interval: 6h, phase: 1h}
        program: {type: no-op}
    """,
    "reports/daily": """
        params: [region]
        metadata: {labels: [reports, daily]}
        schedule:
          - {type: daily, tz: UTC, daytime: "06:00", args: {region: eu}}
          - start: {type: daily, tz: UTC, daytime: "07:30", args: {region: us}}
            stop: {type: duration, duration: 1h}
          - {type: daily, tz: UTC, daytime: "12:00", args: {region: ap}, enabled: false}
        program: {type: no-op}
    """,
    "noop": """
        program: {type: no-op}
    """,
}

DAY = {"start": "2099-01-01T00:00:00Z", "end": "2099-01-02T00:00:00Z"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = Service(tmp_path_factory.mktemp("schedule"), JOBS)
    service.start()
    yield service
    service.finish()


def tick(time: str) -> dict[str, object]:
    return {"job_id": "etl/tick", "args": {"date": time[:10]}, "time": time}


def report(time: str, region: str, stop: str | None = None) -> dict[str, object]:
    run: dict[str, object] = {"job_id": "reports/daily", "args": {"region": region}, "time": time}
    if stop is not None:
        run["stop"] = stop
    return run


def test_every_jobs_runs_in_the_window_in_time_order(live: Service) -> None:
    answer = live.get("/schedule", **DAY)
    assert answer.status_code == 200, answer.text
    # The disabled schedule (12:00, ap) and the job without a schedule give nothing.
    assert answer.json() == {
        "runs": [
            tick("2099-01-01T01:00:00Z"),
            report("2099-01-01T06:00:00Z", "eu"),
            tick("2099-01-01T07:00:00Z"),
            report("2099-01-01T07:30:00Z", "us", stop="2099-01-01T08:30:00Z"),
            tick("2099-01-01T13:00:00Z"),
            tick("2099-01-01T19:00:00Z"),
        ],
        "more": False,
    }


def test_end_is_exclusive_and_limit_cuts_with_more(live: Service) -> None:
    runs = live.get("/schedule", start=DAY["start"], end="2099-01-01T07:00:00Z").json()["runs"]
    assert [run["time"] for run in runs] == ["2099-01-01T01:00:00Z", "2099-01-01T06:00:00Z"]
    cut = live.get("/schedule", **DAY, limit=3).json()
    assert [run["time"] for run in cut["runs"]] == [
        "2099-01-01T01:00:00Z", "2099-01-01T06:00:00Z", "2099-01-01T07:00:00Z",
    ]  # fmt: skip
    assert cut["more"] is True
    assert live.get("/schedule", **DAY, limit=6).json()["more"] is False


def test_filters_by_job_prefix_and_labels(live: Service) -> None:
    by_prefix = live.get("/schedule", **DAY, job_prefix="reports/").json()["runs"]
    assert by_prefix == [
        report("2099-01-01T06:00:00Z", "eu"),
        report("2099-01-01T07:30:00Z", "us", stop="2099-01-01T08:30:00Z"),
    ]
    assert live.get("/schedule", **DAY, label="etl").json()["runs"] == [
        tick(f"2099-01-01T{hour}:00:00Z") for hour in ("01", "07", "13", "19")
    ]
    both = live.client.get(
        "/api/v1/schedule", params=[*DAY.items(), ("label", "reports"), ("label", "daily")]
    )
    assert len(both.json()["runs"]) == 2
    assert live.get("/schedule", **DAY, label="nothing").json() == {"runs": [], "more": False}


def next_tick(after: datetime) -> datetime:
    """etl/tick's first time after `after`: 01:00, 07:00, 13:00 or 19:00 UTC."""
    time = after.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while time.hour % 6 != 1:
        time += timedelta(hours=1)
    return time


def test_never_before_what_the_scheduler_has_created(live: Service) -> None:
    """A start in the past answers from the scheduler's horizon on (now): the earlier
    runs are created already, and GET /runs has them."""
    assert live.get("/schedule", start="2020-01-01T00:00:00Z").json() == {
        "runs": [], "more": False,
    }  # fmt: skip
    before = datetime.now(UTC)
    past = live.get("/schedule", start="2020-01-01T00:00:00Z", end="2100-01-01T00:00:00Z",
                    job_prefix="etl/", limit=1).json()  # fmt: skip
    default = live.get("/schedule", job_prefix="etl/", limit=1).json()
    after = datetime.now(UTC)
    # A tick passing during the requests moves the horizon past it.
    expected = {next_tick(before), next_tick(after)}
    for answer in (past, default):
        assert answer["more"] is True
        (run,) = answer["runs"]
        assert datetime.fromisoformat(run["time"]) in expected
        assert run["args"] == {"date": run["time"][:10]}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": "yesterday"}, "start: "),
        ({"end": "2099-01-01"}, "end: "),
        ({"start": "2099-01-02T00:00:00Z", "end": "2099-01-01T00:00:00Z"}, "end: "),
        ({"start": "2099-01-01T00:00:00Z", "end": "2099-01-01T00:00:00Z"}, "end: "),
        ({"limit": "0"}, "limit"),
        ({"limit": "10001"}, "limit"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    live: Service, params: dict[str, str], named: str
) -> None:
    answer = live.get("/schedule", **params)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error"}
    assert named in answer.json()["error"]
