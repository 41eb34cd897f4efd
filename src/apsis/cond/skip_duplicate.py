"""`skip_duplicate`: finish a run at once if another run of its instance is active (SPEC §6).

It never holds a run: either another run of the same job and args is in one of
`check_states` and this run moves to `target_state`, or the condition holds. The
engine checks the runs one event releases one after another, so of two duplicates
released together the second sees the first already starting and is skipped.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import field_validator

from ..model.state import FINISHED, State, States, parse_state
from .base import (
    Condition,
    Outcome,
    RunView,
    Transition,
    Verdict,
    conditions,
    format_states,
    inst_key,
)

if TYPE_CHECKING:
    from ..model.run import Run

_FINISHED_NAMES = ", ".join(s for s in State if s in FINISHED)


@conditions.register("skip_duplicate")
class SkipDuplicate(Condition):
    check_states: States = (State.waiting, State.starting, State.running)
    target_state: State = State.skipped

    @field_validator("target_state", mode="before")
    @classmethod
    def _finished(cls, value: Any) -> State:
        # The run leaves `waiting` for good, so it must land in a state it cannot leave.
        state = parse_state(value)
        if state not in FINISHED:
            raise ValueError(f"{value!r} is not a finished state (one of {_FINISHED_NAMES})")
        return state

    def check(self, run: Run, view: RunView) -> Outcome:
        for other in view.runs_of(run.job_id, run.args):
            if other.run_id != run.run_id and other.state in self.check_states:
                return Transition(self.target_state, f"{other.run_id} is {other.state}")
        return Verdict.PASS

    def wake_keys(self, run: Run) -> Iterable[Hashable]:
        return (inst_key(run.job_id, run.args),)

    def __str__(self) -> str:
        return (
            f"transition to {self.target_state} if another run is "
            f"{format_states(self.check_states)}"
        )
