"""`skip_duplicate`: finish a run at once if another run of its instance is active (SPEC §6).

It never holds a run: either another run of the same job and args is in one of
`check_states` and this run moves to `target_state`, or the condition holds.
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from ..model.state import FINISHED, State, States, parse_state
from .base import Condition, conditions, format_states

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

    def __str__(self) -> str:
        return (
            f"transition to {self.target_state} if another run is "
            f"{format_states(self.check_states)}"
        )
