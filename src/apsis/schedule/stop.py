"""Stop schedules: when a still-running run is stopped, given its schedule time (SPEC §5)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pydantic import field_validator

from ..timespec import Daytime, Duration, TimeZone, describe_duration, format_daytime
from .base import StopSchedule, stop_schedules
from .local import first_instant, wall

_DAY = timedelta(days=1)


@stop_schedules.register("duration")
class DurationStopSchedule(StopSchedule):
    """Stop a fixed duration after the schedule time."""

    duration: Duration

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"must be greater than 0, got {describe_duration(value)}")
        return value

    def stop_time(self, schedule_time: datetime) -> datetime:
        return schedule_time + timedelta(seconds=self.duration)

    def __str__(self) -> str:
        return f"stop after {describe_duration(self.duration)}"


@stop_schedules.register("daytime")
class DaytimeStopSchedule(StopSchedule):
    """Stop at the next occurrence of a local daytime strictly after the schedule time.

    The DST rule applies: a daytime in a gap stops at the gap's end, one in a fold
    at its first occurrence.
    """

    daytime: Daytime
    tz: TimeZone

    def stop_time(self, schedule_time: datetime) -> datetime:
        """Walk local dates from the day before the schedule time's and take the first
        instant after it. Starting a day early is cheap, and is safe even where a gap
        pushes a daytime across midnight.
        """
        day = wall(schedule_time, self.tz).date() - _DAY
        while (stop := first_instant(datetime.combine(day, self.daytime), self.tz)) <= (
            schedule_time
        ):
            day += _DAY
        return stop

    def __str__(self) -> str:
        return f"stop at {format_daytime(self.daytime)} {self.tz.key}"
