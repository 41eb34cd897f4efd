"""The condition contract: a gate a waiting run must pass (SPEC §6).

A condition kind is a frozen model of its keys; templated fields are rendered by
`bind(names)` when the run is created. Conditions that refer to another job name it
by `job_id`, which job loading checks exists and whose params the condition's args
(plus those inherited from the run) must fill. Evaluation against live runs belongs
to the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self

from ..bind import bind_model
from ..kinds import Family, Kind
from ..model.state import State


class Condition(Kind):
    def bind(self, names: Mapping[str, Any]) -> Self:
        """This condition with its templates rendered for one run."""
        return bind_model(self, names)

    def referenced_job(self) -> tuple[str, Mapping[str, str]] | None:
        """(job_id, explicit args) of another job this condition depends on, if any."""
        return None


conditions: Family[Condition] = Family("condition", Condition)


def format_states(states: Iterable[State]) -> str:
    return ", ".join(states)


def format_instance(job_id: str, args: Mapping[str, str]) -> str:
    """`etl/load date=2026-11-21`: a job and args, as run logs and the UI show them."""
    return " ".join([job_id, *(f"{name}={value}" for name, value in args.items())])
