"""A run: one instance of a job, scheduled for one time (SPEC §1, §2).

Runs are plain mutable records owned by the engine; only the engine's transition door
changes them. Their JSON forms here are the API's and the store's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..actions.base import Action
from ..cond.base import Condition
from ..program.base import Program
from ..timespec import format_time
from .state import FINISHED, State

Args = dict[str, str]


def run_number(run_id: str) -> int:
    """The integer behind `r123`; ValueError for anything else."""
    if not run_id.startswith("r") or not run_id[1:].isdigit():
        raise ValueError(f"{run_id!r} is not a run ID")
    return int(run_id[1:])


def instance_key(job_id: str, args: Args) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(job_id, sorted args): what dependencies and duplicate checks match on."""
    return job_id, tuple(sorted(args.items()))


@dataclass(eq=False)
class Run:
    run_id: str
    job_id: str
    args: Args
    state: State
    times: dict[str, datetime]
    program: Program | None = None
    conds: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    run_state: dict[str, Any] | None = None
    rerun_of: str | None = None
    expected: bool = False
    """Created from a schedule and not yet due: recreated from the job, never stored."""
    _formatted: dict[str, tuple[datetime, str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def number(self) -> int:
        return run_number(self.run_id)

    @functools.cached_property
    def inst(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """(job_id, sorted args); a run's job and args never change."""
        return instance_key(self.job_id, self.args)

    @property
    def schedule_time(self) -> datetime:
        return self.times["schedule"]

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def summary_jso(self) -> dict[str, Any]:
        """The summary form of the API (research/apsis-reference.md §4.1)."""
        jso: dict[str, Any] = {
            "run_id": self.run_id,
            "job_id": self.job_id,
            "args": dict(self.args),
            "state": self.state.value,
            "times": self._times_jso(),
            "labels": list(self.labels),
        }
        if self.expected:
            jso["expected"] = True
        if self.rerun_of:
            jso["rerun_of"] = self.rerun_of
        return jso

    @functools.cached_property
    def _kinds_jso(self) -> dict[str, Any]:
        # Program, conditions and actions never change once bound, and a run is
        # serialized at every transition: build their JSON once.
        return {
            "program": _with_str(self.program) if self.program else None,
            "conds": [_with_str(c) for c in self.conds],
            "actions": [_with_str(a) for a in self.actions],
        }

    def _times_jso(self) -> dict[str, str]:
        # Each time is formatted once, not at every transition that follows it.
        texts = {}
        for name, time in self.times.items():
            cached = self._formatted.get(name)
            if cached is None or cached[0] is not time:
                cached = self._formatted[name] = (time, format_time(time))
            texts[name] = cached[1]
        return texts

    def to_jso(self) -> dict[str, Any]:
        """The full form: the summary plus program, conditions, actions and meta.

        The program, conditions and actions parts are shared between calls: copy
        before changing them.
        """
        return {**self.summary_jso(), **self._kinds_jso, "meta": dict(self.meta)}


def _with_str(kind: Program | Condition | Action) -> dict[str, Any]:
    return {**kind.to_jso(), "str": str(kind)}
