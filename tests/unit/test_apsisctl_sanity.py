"""The rules of `apsisctl sanity` (apsis.cli.sanity): each state's limit, and nothing
reported for a run within it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apsis.cli.sanity import find_problems

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).isoformat()


def run(state: str, number: int = 1, program: dict[str, Any] | None = None,
        **times: float) -> dict[str, Any]:  # fmt: skip
    """A run in `state`, with each of `times` that many seconds ago."""
    return {
        "run_id": f"r{number}",
        "job_id": "etl/load",
        "args": {"date": "2026-11-21"},
        "state": state,
        "times": {name: ago(seconds) for name, seconds in times.items()},
        "program": program or {"type": "no-op"},
    }


def kinds(*runs: dict[str, Any], **options: Any) -> list[tuple[str, str]]:
    return [(p.run_id, p.kind) for p in find_problems(runs, NOW, **options)]


@pytest.mark.parametrize(
    ("state", "times", "kind"),
    [
        ("new", {"schedule": 61}, "unscheduled"),
        ("scheduled", {"schedule": 61}, "late"),
        ("starting", {"schedule": 500, "starting": 61}, "starting"),
        ("stopping", {"schedule": 500, "stopping": 121}, "stopping"),
        ("running", {"schedule": 500, "running": 300, "stop": 121}, "overdue"),
    ],
)
def test_a_run_stuck_past_its_limit_is_reported(
    state: str, times: dict[str, float], kind: str
) -> None:
    assert kinds(run(state, **times)) == [("r1", kind)]


@pytest.mark.parametrize(
    ("state", "times"),
    [
        ("new", {"schedule": 59}),
        ("scheduled", {"schedule": 59}),
        ("scheduled", {"schedule": -3600}),
        ("starting", {"schedule": 500, "starting": 59}),
        ("stopping", {"schedule": 500, "stopping": 119}),
        ("running", {"schedule": 50000, "running": 50000}),
        ("running", {"schedule": 500, "running": 300, "stop": 119}),
        ("waiting", {"schedule": 50000, "waiting": 50000}),
    ],
)
def test_a_run_within_its_limit_is_fine(state: str, times: dict[str, float]) -> None:
    assert kinds(run(state, **times)) == []


def test_running_past_timeout_counts_the_grace_period() -> None:
    program = {"type": "shell", "timeout": {"duration": "1h"}, "stop": {"grace_period": "30s"}}
    within = run("running", program=program, schedule=4000, running=3600 + 30 + 59)
    past = run("running", 2, program=program, schedule=4000, running=3600 + 30 + 61)
    assert kinds(within, past) == [("r2", "overdue")]


def test_waiting_is_reported_only_past_max_waiting() -> None:
    waiting = run("waiting", schedule=700, waiting=600)
    assert kinds(waiting) == []
    assert kinds(waiting, max_waiting=601) == []
    assert kinds(waiting, max_waiting=599) == [("r1", "waiting")]


def test_slack_is_the_margin_for_every_rule() -> None:
    late = run("scheduled", schedule=30)
    assert kinds(late) == []
    assert kinds(late, slack=10) == [("r1", "late")]


def test_problems_are_in_run_number_order_and_read_as_one_line_each() -> None:
    problems = find_problems(
        [run("scheduled", 10, schedule=125), run("starting", 9, schedule=500, starting=90)], NOW
    )
    assert [p.line() for p in problems] == [
        "r9: starting: starting since 2026-11-21T11:58:30Z, 1m 30s ago (etl/load date=2026-11-21)",
        "r10: late: not started; due 2026-11-21T11:57:55Z, 2m 05s ago (etl/load date=2026-11-21)",
    ]
