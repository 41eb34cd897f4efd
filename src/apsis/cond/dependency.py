"""`dependency`: wait for a run of another instance to reach a state (SPEC §6).

The other instance is `job_id` with `args`; the job loader checks the job exists, and
params the two jobs share and `args` leaves out are inherited from the waiting run.
With `exist`, the condition errors at once when no run of that instance is in one
of the `exist` states, instead of waiting for one that may never come (the "alarm"
pattern); `exist: true` means every state from which a target state is reachable,
which the engine computes from the transitions table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from ..bind import Templated
from ..kinds import Args
from ..model.state import State, States, parse_states
from .base import Condition, conditions, format_instance, format_states


@conditions.register("dependency")
class Dependency(Condition):
    job_id: str = Field(min_length=1)
    args: Annotated[Args, Templated()] = Field(default_factory=dict)
    states: States = (State.success,)
    exist: Literal[True] | tuple[State, ...] | None = None

    @field_validator("exist", mode="before")
    @classmethod
    def _parse_exist(cls, value: Any) -> Any:
        # `false` reads as "do not check", the same as leaving `exist` out.
        if value is None or value is False:
            return None
        if value is True:
            return True
        # Parsed here, not by the union below, so a bad state gets one error, not one
        # per union member.
        states = parse_states(value)
        if not states:
            raise ValueError("must name at least one state, or be true")
        return states

    @field_validator("exist")
    @classmethod
    def _exist_covers_states(cls, value: Any, info: ValidationInfo) -> Any:
        # A run already in a target state exists; an `exist` set without it would
        # send the run to error just when its dependency is met.
        states = info.data.get("states")
        if isinstance(value, tuple) and states:
            missing = [s for s in states if s not in value]
            if missing:
                raise ValueError(
                    f"must include every state in 'states' (add {format_states(missing)})"
                )
        return value

    def referenced_job(self) -> tuple[str, Mapping[str, str]]:
        return self.job_id, self.args

    def __str__(self) -> str:
        instance = format_instance(self.job_id, self.args)
        text = f"dependency on {instance} in {format_states(self.states)}"
        if self.exist is True:
            text += ", must exist"
        elif self.exist:
            text += f", must exist in {format_states(self.exist)}"
        return text
