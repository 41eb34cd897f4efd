"""A job: the validated template from which runs are made (SPEC §1, §3)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..actions.base import Action
from ..cond.base import Condition
from ..program.base import Program
from ..schedule import ScheduledRun, ScheduleEntry
from ..timespec import format_time
from .retry import Retry


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
        streams = [
            ((run.nominal, index, run) for run in entry.runs(start, self.job_id))
            for index, entry in enumerate(self.schedules)
            if entry.enabled
        ]
        for _, _, run in heapq.merge(*streams):
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
            "ad_hoc": self.ad_hoc,
        }
