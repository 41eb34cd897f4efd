"""One item of a job's `schedule:` list: a schedule, optionally with a stop schedule.

A job file writes either a schedule (`{type: daily, ...}`) or the wrapper form
`{start: <schedule>, stop: <stop schedule>}` (SPEC §5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ..errors import SpecError, SpecErrors
from ..kinds import Family, Kind
from .base import Schedule, ScheduledRun, StopSchedule, schedules, stop_schedules

_WRAPPER = ("start", "stop")
K = TypeVar("K", bound=Kind)


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """A schedule and, if the job gives one, when its runs are stopped."""

    schedule: Schedule
    stop: StopSchedule | None = None

    @property
    def enabled(self) -> bool:
        return self.schedule.enabled

    def runs(self, start: datetime, job_id: str) -> Iterator[ScheduledRun]:
        """The schedule's runs from `start`, each with its stop time.

        The stop counts from the run's due time (its nominal time plus any jitter):
        that is the schedule time the run records, and a jittered run keeps its
        full allowance.
        """
        for run in self.schedule.runs(start, job_id):
            if self.stop is None:
                yield run
            else:
                yield dataclasses.replace(run, stop=self.stop.stop_time(run.time))

    def to_jso(self) -> dict[str, Any]:
        if self.stop is None:
            return self.schedule.to_jso()
        return {"start": self.schedule.to_jso(), "stop": self.stop.to_jso()}

    def __str__(self) -> str:
        return str(self.schedule) if self.stop is None else f"{self.schedule}; {self.stop}"


def _parse_within(
    key: str, family: Family[K], data: Mapping[str, Any], context: Mapping[str, Any] | None
) -> tuple[K | None, list[SpecError]]:
    """The kind at `data[key]`, or its errors located under `key`."""
    if key not in data:
        return None, [SpecError("missing required key", (key,))]
    try:
        return family.parse(data[key], context), []
    except SpecError as err:
        return None, [err.within(key)]
    except SpecErrors as errs:
        return None, [err.within(key) for err in errs.errors]


def parse_schedule(data: Any, context: Mapping[str, Any] | None = None) -> ScheduleEntry:
    """A ScheduleEntry from either form; raises SpecError or SpecErrors.

    A mapping without `type` that has `start` or `stop` is the wrapper form; its
    errors are all reported together, located under `start.` and `stop.`.
    """
    if not isinstance(data, Mapping) or "type" in data or not any(k in data for k in _WRAPPER):
        return ScheduleEntry(schedules.parse(data, context))
    errors = [SpecError("unknown key", (key,)) for key in data if key not in _WRAPPER]
    start, start_errors = _parse_within("start", schedules, data, context)
    stop, stop_errors = _parse_within("stop", stop_schedules, data, context)
    errors += start_errors + stop_errors
    if errors:
        raise SpecErrors(errors)
    assert start is not None and stop is not None
    return ScheduleEntry(start, stop)
