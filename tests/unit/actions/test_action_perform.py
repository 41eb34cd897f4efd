"""Performing `schedule` actions, and `should_fire`: which transitions fire an action."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from apsis.actions import Action, ScheduleAction, actions
from apsis.actions.base import should_fire
from apsis.config import SmtpConfig
from apsis.errors import ApsisError
from apsis.model.run import Run
from apsis.model.state import State


def make_run(state: State = State.success) -> Run:
    return Run(
        run_id="r7",
        job_id="etl/load",
        args={"date": "2026-11-21"},
        state=state,
        times={"schedule": datetime(2026, 11, 21, tzinfo=UTC)},
    )


class Context:
    """The engine's ActionContext, recording what actions ask of it."""

    def __init__(self, consecutive: int = 0, refuse: bool = False) -> None:
        self.smtp = SmtpConfig()
        self.scheduled: list[tuple[str, dict[str, str], Run, str]] = []
        self.asked: list[tuple[Run, frozenset[State]]] = []
        self.count = consecutive
        self.refuse = refuse

    async def schedule_run(
        self, job_id: str, args: Mapping[str, str], *, inherit_from: Run, reason: str
    ) -> str:
        if self.refuse:
            raise ApsisError(f"no job {job_id!r}")
        self.scheduled.append((job_id, dict(args), inherit_from, reason))
        return "r45"

    def consecutive(self, run: Run, states: frozenset[State]) -> int:
        self.asked.append((run, states))
        return self.count

    async def output_tail(self, run: Run, size: int) -> bytes:
        return b""


def test_schedule_action_schedules_the_other_job_now() -> None:
    run, context = make_run(), Context()
    action = ScheduleAction(job_id="etl/report", args={"region": "eu"})
    result = asyncio.run(action.perform(run, context))
    assert result == "action: scheduled etl/report region=eu as r45"
    assert context.scheduled == [("etl/report", {"region": "eu"}, run, "scheduled by action of r7")]


def test_schedule_action_without_args_inherits_them_all() -> None:
    run, context = make_run(), Context()
    result = asyncio.run(ScheduleAction(job_id="etl/report").perform(run, context))
    assert result == "action: scheduled etl/report as r45"
    assert context.scheduled[0][1:3] == ({}, run)


def test_schedule_action_failure_raises_for_the_run_log() -> None:
    with pytest.raises(ApsisError, match="no job 'gone'"):
        asyncio.run(ScheduleAction(job_id="gone").perform(make_run(), Context(refuse=True)))


def fires(action: Action, state: State, context: Context | None = None) -> bool:
    return asyncio.run(should_fire(action, make_run(state), context or Context()))


@pytest.mark.parametrize("state", list(State))
def test_an_action_without_if_fires_on_every_transition(state: State) -> None:
    assert fires(ScheduleAction(job_id="x"), state)


def test_an_action_fires_only_on_its_states() -> None:
    action = actions.parse({"type": "schedule", "job_id": "x", "if": {"states": ["failure"]}})
    assert fires(action, State.failure)
    assert not fires(action, State.success)
    assert not fires(action, State.running)


def page_after(count: int) -> Action:
    return actions.parse(
        {
            "type": "schedule",
            "job_id": "page",
            "if": {"states": ["failure", "error"], "consecutive": count},
        }
    )


def test_consecutive_fires_from_the_nth_run_in_a_row_on() -> None:
    action = page_after(3)
    assert not fires(action, State.failure, Context(consecutive=2))
    assert fires(action, State.failure, Context(consecutive=3))
    assert fires(action, State.error, Context(consecutive=4))


def test_consecutive_asks_about_the_run_and_the_filter_states() -> None:
    context = Context(consecutive=1)
    run = make_run(State.failure)
    assert asyncio.run(should_fire(page_after(1), run, context))
    assert context.asked == [(run, frozenset({State.failure, State.error}))]


def test_consecutive_is_not_asked_when_the_state_does_not_match() -> None:
    context = Context(consecutive=10)
    assert not fires(page_after(1), State.success, context)
    assert context.asked == []


def test_states_without_consecutive_never_ask_for_history() -> None:
    context = Context()
    action = actions.parse({"type": "schedule", "job_id": "x", "if": {"states": "failure"}})
    assert fires(action, State.failure, context)
    assert context.asked == []
