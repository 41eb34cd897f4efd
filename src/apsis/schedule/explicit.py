"""The `explicit` schedule: a fixed set of instants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from ..timespec import Time, format_time, parse_time
from .base import Schedule, ScheduleTime, schedules

_SHOWN = 3


@schedules.register("explicit")
class ExplicitSchedule(Schedule):
    """Runs at exactly the listed times, each once, in order."""

    # `times` is the job file's key but also the method every schedule has.
    model_config = ConfigDict(serialize_by_alias=True)

    times_: tuple[Time, ...] = Field(alias="times")

    @field_validator("times_", mode="before")
    @classmethod
    def _one_or_list(cls, value: Any) -> Any:
        """A lone time becomes a list of one, parsed here so its error says `times:`."""
        return value if isinstance(value, list | tuple) else [parse_time(value)]

    @field_validator("times_")
    @classmethod
    def _sorted_unique(cls, value: tuple[datetime, ...]) -> tuple[datetime, ...]:
        if not value:
            raise ValueError("expected at least one time")
        return tuple(sorted(set(value)))

    def times(self, start: datetime) -> Iterator[ScheduleTime]:
        for time in self.times_:
            if time >= start:
                yield ScheduleTime(time, {"time": format_time(time)})

    def __str__(self) -> str:
        shown = ", ".join(format_time(t) for t in self.times_[:_SHOWN])
        more = len(self.times_) - _SHOWN
        return f"at {shown}" + (f" and {more} more" if more > 0 else "")
