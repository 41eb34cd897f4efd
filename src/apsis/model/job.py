"""A job: the validated template from which runs are made (SPEC §1, §3)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..actions.base import Action
from ..cond.base import Condition
from ..program.base import Program
from ..schedule import ScheduledRun, ScheduleEntry
from ..timespec import format_time
from .retry import Retry

Catchup = Literal["all", "latest", "none"]
CATCHUP_POLICIES: tuple[Catchup, ...] = ("all", "latest", "none")


@dataclass(frozen=True)
class Job:
    job_id: str
    params: tuple[str, ...]
    program: Program
    schedules: tuple[ScheduleEntry, ...] = ()
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    retry: Retry | None = None
    catchup: Catchup = "all"
    """After downtime: run every missed time, only the latest, or none (SPEC §5)."""
    ad_hoc: bool = False

    @property
    def labels(self) -> list[str]:
        return list(self.metadata.get("labels", []))

    def run_args(self, provided: Mapping[str, str], schedule_time: datetime) -> dict[str, str]:
        """The args a run gets: provided values for the job's params only (SPEC §5)."""
        args = {name: provided[name] for name in self.params if name in provided}
        if "schedule_time" in self.params and "schedule_time" not in args:
            args["schedule_time"] = format_time(schedule_time)
        return args

    def scheduled_runs(self, start: datetime) -> Iterator[ScheduledRun]:
        """Runs of every enabled schedule from `start` on, merged in nominal-time order.

        Each run's args are narrowed to the job's params; ties keep schedule order.
        """
        streams = [entry.runs(start, self.job_id) for entry in self.schedules if entry.enabled]
        # A key, not the runs themselves, orders the merge: two schedules may give the
        # same nominal time, and heapq.merge keeps the earlier stream first on ties.
        for run in heapq.merge(*streams, key=lambda run: run.nominal):
            yield ScheduledRun(
                nominal=run.nominal,
                time=run.time,
                args=self.run_args(run.args, run.time),
                stop=run.stop,
                note=run.note,
            )

    def to_jso(self) -> dict[str, Any]:
        """Apsis-compatible job JSON (see research/apsis-reference.md §4.2)."""
        return {
            "job_id": self.job_id,
            "params": sorted(self.params),
            "schedule": [entry.to_jso() for entry in self.schedules],
            "program": {**self.program.to_jso(), "str": str(self.program)},
            "condition": [{**c.to_jso(), "str": str(c)} for c in self.conditions],
            "action": [{**a.to_jso(), "str": str(a)} for a in self.actions],
            "metadata": dict(self.metadata),
            "retry": self.retry.model_dump(mode="json") if self.retry else None,
            "catchup": self.catchup,
            "ad_hoc": self.ad_hoc,
        }
