"""`schedule` actions, the `if:` filter and the `successors:` shorthand."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.actions import Action, ActionFilter, ScheduleAction, actions, successor_actions
from apsis.bind import bind_names
from apsis.calendars import DEFAULT_LOOKUP
from apsis.errors import BindError, SpecError, SpecErrors
from apsis.model.state import State

NAMES = bind_names({"date": "2026-11-21"}, job_id="j", run_id="r1", get_calendar=DEFAULT_LOOKUP.get)
ON_SUCCESS = ActionFilter(states=(State.success,))


def errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        actions.parse(data)
    return [e.message for e in info.value.errors]


def successor_errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        successor_actions(data)
    return [e.message for e in info.value.errors]


def test_schedule_fires_on_every_transition_without_if() -> None:
    action = actions.parse({"type": "schedule", "job_id": "report"})
    assert action == ScheduleAction(job_id="report", args={})
    assert all(action.fires_on(state) for state in State)
    assert str(action) == "schedule report"


def test_schedule_args_are_templated() -> None:
    action = actions.parse({"type": "schedule", "job_id": "report", "args": {"date": "{{ date }}"}})
    bound = action.bind(NAMES)
    assert bound == ScheduleAction(job_id="report", args={"date": "2026-11-21"})
    assert str(bound) == "schedule report date=2026-11-21"
    assert action.referenced_job() == ("report", {"date": "{{ date }}"})


def test_schedule_binding_error_names_the_arg() -> None:
    action = actions.parse({"type": "schedule", "job_id": "r", "args": {"d": "{{ day }}"}})
    with pytest.raises(BindError) as info:
        action.bind(NAMES)
    assert info.value.message == "args.d: 'day' is undefined in '{{ day }}'"


def test_if_filters_by_states_and_consecutive_count() -> None:
    action = actions.parse(
        {
            "type": "schedule",
            "job_id": "page",
            "if": {"states": ["failure", "error"], "consecutive": 3},
        }
    )
    assert action.condition == ActionFilter(states=(State.failure, State.error), consecutive=3)
    assert action.fires_on(State.failure)
    assert not action.fires_on(State.success)


def test_if_accepts_one_state() -> None:
    action = actions.parse({"type": "schedule", "job_id": "x", "if": {"states": "success"}})
    assert action.condition == ON_SUCCESS


def test_if_survives_binding_and_serialises_as_if() -> None:
    action = actions.parse(
        {"type": "schedule", "job_id": "x", "args": {"d": "{{ date }}"}, "if": {"states": "error"}}
    )
    bound = action.bind(NAMES)
    assert bound.condition == ActionFilter(states=(State.error,))
    assert bound.to_jso() == {
        "type": "schedule",
        "job_id": "x",
        "args": {"d": "2026-11-21"},
        "if": {"states": ["error"]},
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "schedule"}, "job_id: missing required key"),
        ({"type": "schedule", "job_id": ""}, "job_id: string should have at least 1 character"),
        (
            {"type": "schedule", "job_id": "x", "if": {"consecutive": 3}},
            "if: consecutive needs 'states' listing finished states only",
        ),
        (
            {"type": "schedule", "job_id": "x", "if": {"states": "running", "consecutive": 2}},
            "if: consecutive needs 'states' listing finished states only",
        ),
        (
            {"type": "schedule", "job_id": "x", "if": {"states": ["failure", "bad"]}},
            "if.states[1]: 'bad' is not a run state (one of new, scheduled, waiting, starting, "
            "running, stopping, success, failure, error, skipped)",
        ),
        (
            {"type": "schedule", "job_id": "x", "if": {"states": "error", "consecutive": 0}},
            "if.consecutive: input should be greater than or equal to 1",
        ),
        ({"type": "schedule", "job_id": "x", "if": {"when": "now"}}, "if.when: unknown key"),
        ({"type": "schedule", "job_id": "x", "condition": {}}, "condition: unknown key"),
    ],
)
def test_invalid_schedule_action(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_unknown_action_type_suggests_a_close_one() -> None:
    with pytest.raises(SpecError) as info:
        actions.parse({"type": "emial"})
    assert info.value.message == "type: unknown action type 'emial' (did you mean 'email'?)"


def test_a_successor_job_id_schedules_it_on_success() -> None:
    assert successor_actions("etl/report") == [
        ScheduleAction.model_validate({"job_id": "etl/report", "if": {"states": ["success"]}})
    ]


def test_a_successor_mapping_gives_templated_args() -> None:
    [action] = successor_actions({"job_id": "report", "args": {"date": "{{ date }}"}})
    assert isinstance(action, ScheduleAction)
    assert action.condition == ON_SUCCESS
    assert action.bind(NAMES).args == {"date": "2026-11-21"}


def test_a_successor_list_mixes_both_forms() -> None:
    result = successor_actions(["a", {"job_id": "b"}])
    assert [a.referenced_job() for a in result] == [("a", {}), ("b", {})]
    assert all(a.condition == ON_SUCCESS for a in result)


def test_successor_errors_are_located_within_successors() -> None:
    assert successor_errors(["a", {"job_id": ""}, 3, {"job_id": "x", "if": {}}, {}]) == [
        "[1].job_id: string should have at least 1 character",
        "[2]: expected a job ID or {job_id, args}, got int",
        "[3].if: unknown key",
        "[4].job_id: missing required key",
    ]


def test_a_single_successor_mapping_errors_without_an_index() -> None:
    assert successor_errors({"job_id": "x", "args": {"a": [1]}}) == [
        "args: arg 'a' must be a string, got list"
    ]


@pytest.mark.parametrize(
    "action",
    [
        ScheduleAction(job_id="x"),
        ScheduleAction.model_validate(
            {
                "job_id": "x y/z",
                "args": {"d": "{{ date }}"},
                "if": {"states": ["failure"], "consecutive": 2},
            }
        ),
        *successor_actions("a"),
    ],
)
def test_json_round_trips(action: Action) -> None:
    assert actions.parse(action.to_jso()) == action
