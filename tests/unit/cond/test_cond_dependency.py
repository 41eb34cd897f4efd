"""`dependency` and `max_running`: conditions that name an instance."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.bind import bind_names
from apsis.calendars import DEFAULT_LOOKUP
from apsis.cond import Condition, Dependency, MaxRunning, conditions
from apsis.errors import BindError, SpecErrors
from apsis.model.state import State

NAMES = bind_names(
    {"date": "2026-11-21", "n": "3", "zero": "0"},
    job_id="j",
    run_id="r1",
    get_calendar=DEFAULT_LOOKUP.get,
)

STATE_NAMES = (
    "new, scheduled, waiting, starting, running, stopping, success, failure, error, skipped"
)


def errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        conditions.parse(data)
    return [e.message for e in info.value.errors]


def bind_error(data: Any) -> str:
    with pytest.raises(BindError) as info:
        conditions.parse(data).bind(NAMES)
    return info.value.message


def test_dependency_waits_for_success_by_default() -> None:
    cond = conditions.parse({"type": "dependency", "job_id": "etl/load"})
    assert cond == Dependency(job_id="etl/load", args={}, states=(State.success,), exist=None)
    assert str(cond) == "dependency on etl/load in success"


def test_dependency_states_may_be_one_state_or_a_list() -> None:
    one = conditions.parse({"type": "dependency", "job_id": "a", "states": "failure"})
    many = conditions.parse({"type": "dependency", "job_id": "a", "states": ["success", "failure"]})
    assert isinstance(one, Dependency) and isinstance(many, Dependency)
    assert one.states == (State.failure,)
    assert many.states == (State.success, State.failure)


def test_dependency_args_are_strings_and_templated() -> None:
    cond = conditions.parse(
        {"type": "dependency", "job_id": "etl/load", "args": {"date": "{{ date }}", "n": 7}}
    )
    assert isinstance(cond, Dependency)
    assert cond.args == {"date": "{{ date }}", "n": "7"}
    bound = cond.bind(NAMES)
    assert bound.args == {"date": "2026-11-21", "n": "7"}
    assert str(bound) == "dependency on etl/load date=2026-11-21 n=7 in success"


def test_dependency_job_id_is_not_templated() -> None:
    cond = conditions.parse({"type": "dependency", "job_id": "{{ date }}"})
    assert isinstance(cond, Dependency)
    assert cond.bind(NAMES).job_id == "{{ date }}"


def test_dependency_references_its_job_and_explicit_args() -> None:
    cond = conditions.parse({"type": "dependency", "job_id": "up", "args": {"a": "1"}})
    assert cond.referenced_job() == ("up", {"a": "1"})


def test_dependency_exist_true_means_any_state_that_can_still_succeed() -> None:
    cond = conditions.parse({"type": "dependency", "job_id": "a", "exist": True})
    assert isinstance(cond, Dependency)
    assert cond.exist is True
    assert str(cond) == "dependency on a in success, must exist"


def test_dependency_exist_may_list_states() -> None:
    cond = conditions.parse({"type": "dependency", "job_id": "a", "exist": "success"})
    assert isinstance(cond, Dependency)
    assert cond.exist == (State.success,)
    assert str(cond) == "dependency on a in success, must exist in success"


def test_dependency_exist_false_is_the_same_as_absent() -> None:
    cond = conditions.parse({"type": "dependency", "job_id": "a", "exist": False})
    assert cond == Dependency(job_id="a")


def test_dependency_binding_error_names_the_arg() -> None:
    data = {"type": "dependency", "job_id": "a", "args": {"date": "{{ dat }}"}}
    assert bind_error(data) == "args.date: 'dat' is undefined in '{{ dat }}'"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "dependency"}, "job_id: missing required key"),
        ({"type": "dependency", "job_id": ""}, "job_id: string should have at least 1 character"),
        ({"type": "dependency", "job_id": 3}, "job_id: expected string, got int 3"),
        (
            {"type": "dependency", "job_id": "a", "states": "done"},
            f"states[0]: 'done' is not a run state (one of {STATE_NAMES})",
        ),
        (
            {"type": "dependency", "job_id": "a", "states": ["success", "gone"]},
            f"states[1]: 'gone' is not a run state (one of {STATE_NAMES})",
        ),
        (
            {"type": "dependency", "job_id": "a", "states": []},
            "states: must name at least one state",
        ),
        (
            {"type": "dependency", "job_id": "a", "exist": 5},
            "exist: expected a state or a list of states, got 5",
        ),
        (
            {"type": "dependency", "job_id": "a", "exist": []},
            "exist: must name at least one state, or be true",
        ),
        (
            {
                "type": "dependency",
                "job_id": "a",
                "states": ["success", "failure"],
                "exist": "success",
            },
            "exist: must include every state in 'states' (add failure)",
        ),
        (
            {"type": "dependency", "job_id": "a", "args": {"x": [1]}},
            "args: arg 'x' must be a string, got list",
        ),
        ({"type": "dependency", "job_id": "a", "arg": {}}, "arg: unknown key"),
    ],
)
def test_invalid_dependency(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_max_running_defaults_to_one_run_of_its_own_instance() -> None:
    cond = conditions.parse({"type": "max_running"})
    assert cond == MaxRunning(count=1, job_id=None)
    assert cond.referenced_job() is None
    assert str(cond) == "at most 1 running"


def test_max_running_accepts_apsis_string_count() -> None:
    assert conditions.parse({"type": "max_running", "count": "2"}) == MaxRunning(count=2)


def test_max_running_count_is_templated_and_bound_to_an_int() -> None:
    cond = conditions.parse({"type": "max_running", "count": "{{ n }}"})
    assert cond == MaxRunning(count="{{ n }}")
    assert cond.bind(NAMES) == MaxRunning(count=3)


def test_max_running_on_another_job_references_it() -> None:
    cond = conditions.parse({"type": "max_running", "job_id": "shared/load", "count": 2})
    assert cond.referenced_job() == ("shared/load", {})
    assert str(cond) == "at most 2 running of shared/load"


def test_max_running_count_must_bind_to_a_positive_int() -> None:
    data = {"type": "max_running", "count": "{{ zero }}"}
    assert bind_error(data) == "count: '0' is not a positive integer"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "max_running", "count": 0}, "count: 0 is not a positive integer"),
        ({"type": "max_running", "count": "two"}, "count: 'two' is not a positive integer"),
        ({"type": "max_running", "count": 1.5}, "count: 1.5 is not a positive integer"),
        (
            {"type": "max_running", "count": "{{ n"},
            "count: template syntax error: unexpected end of template, "
            "expected 'end of print statement'. in '{{ n'",
        ),
        ({"type": "max_running", "args": {}}, "args: unknown key"),
    ],
)
def test_invalid_max_running(data: Any, message: str) -> None:
    assert errors(data) == [message]


@pytest.mark.parametrize(
    "cond",
    [
        Dependency(job_id="a"),
        Dependency(job_id="a b/c", args={"d": "{{ date }}"}, states=(State.failure,), exist=True),
        Dependency(job_id="a", states=(State.success,), exist=(State.success, State.running)),
        MaxRunning(),
        MaxRunning(count="{{ n }}", job_id="other"),
    ],
)
def test_json_round_trips(cond: Condition) -> None:
    assert conditions.parse(cond.to_jso()) == cond


def test_dependency_json_is_apsis_shaped() -> None:
    cond = Dependency(job_id="a", args={"d": "1"}, exist=(State.success,))
    assert cond.to_jso() == {
        "type": "dependency",
        "job_id": "a",
        "args": {"d": "1"},
        "states": ["success"],
        "exist": ["success"],
    }
