"""The action contract: something done when a run changes state (SPEC §7).

Every action has an optional `if:` filter (`states`, and `consecutive`). An action
that fails writes to the run log and never changes the run's state; performing
actions belongs to the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..bind import bind_model
from ..kinds import Family, Kind
from ..model.state import FINISHED, State, States


class ActionFilter(BaseModel):
    """`if:` — which transitions fire the action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    states: States | None = None
    consecutive: int | None = Field(default=None, ge=1)

    def matches(self, state: State) -> bool:
        return self.states is None or state in self.states

    @model_validator(mode="after")
    def _consecutive_needs_finished_states(self) -> ActionFilter:
        if self.consecutive is not None and (
            self.states is None or not set(self.states) <= FINISHED
        ):
            raise ValueError("consecutive needs 'states' listing finished states only")
        return self


class Action(Kind):
    condition: ActionFilter | None = Field(default=None, alias="if")

    def bind(self, names: Mapping[str, Any]) -> Self:
        """This action with its templates rendered for one run."""
        return bind_model(self, names)

    def fires_on(self, state: State) -> bool:
        return self.condition is None or self.condition.matches(state)

    def referenced_job(self) -> tuple[str, Mapping[str, str]] | None:
        """(job_id, explicit args) of a job this action schedules, if any."""
        return None

    def to_jso(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            **self.model_dump(mode="json", exclude_none=True, by_alias=True),
        }


actions: Family[Action] = Family("action", Action)
