"""`skip_duplicate`, `const`, `poll` and `resource`."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.bind import bind_names
from apsis.calendars import DEFAULT_LOOKUP
from apsis.cond import Condition, Const, Poll, Resource, SkipDuplicate, conditions
from apsis.errors import BindError, SpecError, SpecErrors
from apsis.model.state import State

NAMES = bind_names(
    {"region": "eu", "date": "2026-11-21"}, job_id="j", run_id="r1", get_calendar=DEFAULT_LOOKUP.get
)


def errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        conditions.parse(data)
    return [e.message for e in info.value.errors]


def test_skip_duplicate_defaults_to_skipping_while_another_is_active() -> None:
    cond = conditions.parse({"type": "skip_duplicate"})
    assert cond == SkipDuplicate(
        check_states=(State.waiting, State.starting, State.running), target_state=State.skipped
    )
    assert str(cond) == "transition to skipped if another run is waiting, starting, running"


def test_skip_duplicate_may_target_any_finished_state() -> None:
    cond = conditions.parse(
        {"type": "skip_duplicate", "check_states": "running", "target_state": "error"}
    )
    assert cond == SkipDuplicate(check_states=(State.running,), target_state=State.error)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"type": "skip_duplicate", "target_state": "running"},
            "target_state: 'running' is not a finished state "
            "(one of success, failure, error, skipped)",
        ),
        (
            {"type": "skip_duplicate", "check_states": 5},
            "check_states: expected a state or a list of states, got 5",
        ),
        (
            {"type": "skip_duplicate", "check_states": []},
            "check_states: must name at least one state",
        ),
    ],
)
def test_invalid_skip_duplicate(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_const_holds_or_not() -> None:
    assert conditions.parse({"type": "const", "value": False}) == Const(value=False)
    assert str(Const(value=True)) == "const true"


def test_const_value_must_be_a_bool() -> None:
    assert errors({"type": "const", "value": "perhaps"}) == [
        "value: expected bool, got str 'perhaps'"
    ]


def test_poll_runs_its_command_every_minute_by_default() -> None:
    cond = conditions.parse({"type": "poll", "command": "test -f /in/{{ date }}.csv"})
    assert cond == Poll(command="test -f /in/{{ date }}.csv", interval=60.0)
    assert cond.bind(NAMES) == Poll(command="test -f /in/2026-11-21.csv")
    assert str(cond) == "poll every 60s: test -f /in/{{ date }}.csv"


def test_poll_interval_accepts_units() -> None:
    cond = conditions.parse({"type": "poll", "command": "true", "interval": "5 min"})
    assert cond == Poll(command="true", interval=300.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "poll"}, "command: missing required key"),
        (
            {"type": "poll", "command": "x", "interval": 0},
            "interval: input should be greater than 0",
        ),
        (
            {"type": "poll", "command": "x", "interval": "often"},
            "interval: 'often' is not a duration",
        ),
    ],
)
def test_invalid_poll(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_resource_takes_one_unit_by_default() -> None:
    cond = conditions.parse({"type": "resource", "name": "warehouse"})
    assert cond == Resource(name="warehouse", count=1)
    assert str(cond) == "resource warehouse (at most 1 at once)"


def test_resource_name_is_templated() -> None:
    cond = conditions.parse({"type": "resource", "name": "db-{{ region }}", "count": 2})
    assert cond.bind(NAMES) == Resource(name="db-eu", count=2)


def test_resource_name_must_bind_to_a_defined_name() -> None:
    cond = conditions.parse({"type": "resource", "name": "db-{{ zone }}"})
    with pytest.raises(BindError) as info:
        cond.bind(NAMES)
    assert info.value.message == "name: 'zone' is undefined in 'db-{{ zone }}'"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "resource"}, "name: missing required key"),
        ({"type": "resource", "name": ""}, "name: string should have at least 1 character"),
        (
            {"type": "resource", "name": "x", "count": 0},
            "count: input should be greater than or equal to 1",
        ),
    ],
)
def test_invalid_resource(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_unknown_condition_type_suggests_a_close_one() -> None:
    with pytest.raises(SpecError) as info:
        conditions.parse({"type": "max-running"})
    assert (
        info.value.message
        == "type: unknown condition type 'max-running' (did you mean 'max_running'?)"
    )


def test_every_condition_type_is_registered() -> None:
    assert conditions.names == [
        "const",
        "dependency",
        "max_running",
        "poll",
        "resource",
        "skip_duplicate",
    ]


@pytest.mark.parametrize(
    "cond",
    [
        SkipDuplicate(),
        SkipDuplicate(check_states=(State.running,), target_state=State.failure),
        Const(value=False),
        Poll(command="true", interval=5.0),
        Resource(name="db-{{ region }}", count=3),
    ],
)
def test_json_round_trips(cond: Condition) -> None:
    assert conditions.parse(cond.to_jso()) == cond
