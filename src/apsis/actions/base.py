"""The action contract: something done when a run changes state (SPEC §7).

Every action has an optional `if:` filter (`states`, and `consecutive`). After each
transition the engine calls `perform(run, context)` for every action for which
`should_fire(action, run, context)` is true, each in its own task. The returned text,
if any, goes to the run log; an exception goes to the run log as an action failure
and never changes the run's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..bind import bind_model
from ..kinds import Family, Kind
from ..model.state import FINISHED, State, States

if TYPE_CHECKING:
    from ..config import SmtpConfig
    from ..model.run import Run


class ActionContext(Protocol):
    """What actions may use of the engine."""

    @property
    def smtp(self) -> SmtpConfig:
        """The mail server `email` actions send through (config `smtp`)."""

    async def schedule_run(
        self, job_id: str, args: Mapping[str, str], *, inherit_from: Run, reason: str
    ) -> str:
        """Create a run of `job_id` due now, params missing from `args` copied from
        `inherit_from`; returns its run ID. Raises ApsisError if it cannot."""

    def consecutive(self, run: Run, states: frozenset[State]) -> int:
        """How many runs of `run`'s job in a row, ending with `run`, finished in `states`."""

    async def output_tail(self, run: Run, size: int) -> bytes:
        """The last `size` bytes of the run's output."""


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

    async def perform(self, run: Run, context: ActionContext) -> str | None:
        """Do the action for `run`'s latest transition; the text goes to its run log."""
        raise NotImplementedError(f"{self.type_name} actions cannot be performed")

    def referenced_job(self) -> tuple[str, Mapping[str, str]] | None:
        """(job_id, explicit args) of a job this action schedules, if any."""
        return None

    def to_jso(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            **self.model_dump(mode="json", exclude_none=True, by_alias=True),
        }


actions: Family[Action] = Family("action", Action)


async def should_fire(action: Action, run: Run, context: ActionContext) -> bool:
    """Whether `action` fires for `run`'s latest transition: its `if.states` match, and
    with `if.consecutive: N`, this run ends the Nth run in a row of its job in them.

    The history is asked for only when the state matches, since it is the costly part.
    """
    if not action.fires_on(run.state):
        return False
    condition = action.condition
    if condition is None or condition.consecutive is None or condition.states is None:
        return True
    count = context.consecutive(run, frozenset(condition.states))
    return count >= condition.consecutive
