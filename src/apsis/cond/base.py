"""The condition contract: a gate a waiting run must pass (SPEC §6).

A condition kind is a frozen model of its keys; templated fields are rendered by
`bind(names)` when the run is created, then `resolve(run_args, params_of)` fills in
what binding cannot know (a dependency's inherited args). Conditions that refer to
another job name it by `job_id`, which job loading checks exists and whose params
the condition's args (plus those inherited from the run) must fill.

Evaluation is event-driven. The engine calls `check(run, view)` when the run starts
waiting and again whenever a run changes state that matches one of the condition's
`wake_keys(run)`; it never polls the run store. `check` is synchronous and pure over
`view`, so many runs released by one event are checked one after another against
the state each previous one left (no races for `max_running` or `skip_duplicate`).
A condition that watches the outside world instead (`poll`) returns a positive
`poll_interval()`, and the engine awaits `poll(run)` that often until it passes.

A verdict is `PASS` (go on to the next condition; it stays passed), `WAIT`, or a
`Transition` that decides the run's fate (skipped or error) with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, Self

from ..bind import bind_model
from ..kinds import Family, Kind
from ..model.state import State

if TYPE_CHECKING:
    from ..model.run import Run


class Verdict(Enum):
    PASS = "pass"
    WAIT = "wait"


@dataclass(frozen=True)
class Transition:
    """A verdict that ends the wait: move the run to `state` (skipped or error).

    `reason` says why, without the state: the run log reads "STATE: REASON"
    ("skipped: r12 is running"), as it does for a program's `Finished.reason`.
    """

    state: State
    reason: str


Outcome = Verdict | Transition


def inst_key(job_id: str, args: Mapping[str, str]) -> Hashable:
    """The wake key of transitions of runs of one instance."""
    return ("inst", job_id, tuple(sorted(args.items())))


def resource_key(name: str) -> Hashable:
    """The wake key of transitions of runs holding a resource."""
    return ("resource", name)


class RunView(Protocol):
    """What a condition may look at: the engine's in-memory runs."""

    def runs_of(self, job_id: str, args: Mapping[str, str]) -> Sequence[Run]:
        """Runs of that exact instance (unfinished, and finished within the lookback)."""

    def holding(self, resource: str) -> int:
        """How many starting or running runs hold `resource` (by their resource conditions)."""


class Condition(Kind):
    def bind(self, names: Mapping[str, Any]) -> Self:
        """This condition with its templates rendered for one run."""
        return bind_model(self, names)

    def referenced_job(self) -> tuple[str, Mapping[str, str]] | None:
        """(job_id, explicit args) of another job this condition depends on, if any."""
        return None

    def resolve(
        self, run_args: Mapping[str, str], params_of: Callable[[str], Sequence[str]]
    ) -> Self:
        """This bound condition completed for one run; `params_of(job_id)` gives a
        job's params. The default has nothing to complete."""
        return self

    def check(self, run: Run, view: RunView) -> Outcome:
        """The verdict for `run` now (see the module docstring)."""
        return Verdict.PASS

    def wake_keys(self, run: Run) -> Iterable[Hashable]:
        """Transitions of runs with these keys may change `check`'s answer."""
        return ()

    def poll_interval(self) -> float | None:
        """Seconds between `poll` calls for conditions that watch the outside world."""
        return None

    async def poll(self, run: Run) -> Outcome:
        """One look at the outside world (only with a `poll_interval`)."""
        return Verdict.PASS


conditions: Family[Condition] = Family("condition", Condition)


def format_states(states: Iterable[State]) -> str:
    return ", ".join(states)


def format_instance(job_id: str, args: Mapping[str, str]) -> str:
    """`etl/load date=2026-11-21`: a job and args, as run logs and the UI show them."""
    return " ".join([job_id, *(f"{name}={value}" for name, value in args.items())])
