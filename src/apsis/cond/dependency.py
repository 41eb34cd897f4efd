"""`dependency`: wait for a run of another instance to reach a state (SPEC §6).

The other instance is `job_id` with `args`; the job loader checks the job exists, and
params the two jobs share and `args` leaves out are inherited from the waiting run.
With `exist`, the condition errors at once when no run of that instance is in one
of the `exist` states, instead of waiting for one that may never come (the "alarm"
pattern); `exist: true` means every state from which a target state is reachable,
computed from the transitions table (`exist_states`) so the two cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator

from ..bind import Templated
from ..errors import BindError
from ..kinds import Args
from ..model.state import State, States, can_transition, parse_states
from .base import (
    Condition,
    Outcome,
    RunView,
    Transition,
    Verdict,
    conditions,
    format_instance,
    format_states,
    inst_key,
)

if TYPE_CHECKING:
    from ..model.run import Run


@functools.cache
def states_reaching(targets: frozenset[State]) -> frozenset[State]:
    """`targets` and every state from which a run can still get into one of them.

    Reverse reachability over `can_transition`, to a fixed point. Finished states
    reach nothing except that skipped may still become error, so with
    `states: [error]` a skipped run counts as existing, while a failed run never
    counts for `states: [success]` (marking a run is an operator's act, not a path).
    """
    reaching = set(targets)
    grown = True
    while grown:
        new = {
            s for s in State if s not in reaching and any(can_transition(s, t) for t in reaching)
        }
        reaching |= new
        grown = bool(new)
    return frozenset(reaching)


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

    def exist_states(self) -> frozenset[State] | None:
        """The states a run of the instance must be in to count as existing, if checked."""
        if self.exist is None:
            return None
        if self.exist is True:
            return states_reaching(frozenset(self.states))
        return frozenset(self.exist)

    def resolve(
        self, run_args: Mapping[str, str], params_of: Callable[[str], Sequence[str]]
    ) -> Self:
        """Complete `args` for the other job's params: an explicit arg wins, then the
        waiting run's arg of the same name. Job loading checks this can succeed for the
        first run; it can still fail for a run created by hand with other args."""
        params = params_of(self.job_id)
        for name in self.args:
            if name not in params:
                raise BindError(f"not a param of job {self.job_id!r}", ("args", name))
        args = {}
        for param in params:
            value = self.args.get(param, run_args.get(param))
            if value is None:
                raise BindError(f"no value for param {param!r} of job {self.job_id!r}")
            args[param] = value
        return self.model_copy(update={"args": args})

    def check(self, run: Run, view: RunView) -> Outcome:
        # The waiting run itself never satisfies, nor makes exist, its own dependency.
        states = {r.state for r in view.runs_of(self.job_id, self.args) if r.run_id != run.run_id}
        if not states.isdisjoint(self.states):
            return Verdict.PASS
        exist = self.exist_states()
        if exist is not None and states.isdisjoint(exist):
            instance = format_instance(self.job_id, self.args)
            ordered = [s for s in State if s in exist]
            return Transition(State.error, f"no run of {instance} in {format_states(ordered)}")
        return Verdict.WAIT

    def wake_keys(self, run: Run) -> Iterable[Hashable]:
        return (inst_key(self.job_id, self.args),)

    def __str__(self) -> str:
        instance = format_instance(self.job_id, self.args)
        text = f"dependency on {instance} in {format_states(self.states)}"
        if self.exist is True:
            text += ", must exist"
        elif self.exist:
            text += f", must exist in {format_states(self.exist)}"
        return text
