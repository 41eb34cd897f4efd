"""The `interval` schedule: every `interval`, offset by `phase`, counted from the Unix epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pydantic import ValidationInfo, field_validator

from ..timespec import Duration, describe_duration, format_daytime, format_time
from .base import Schedule, ScheduleTime, schedules

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(seconds: float) -> int:
    """Whole microseconds: the arithmetic below is exact integers, never drifting floats."""
    return round(seconds * 1_000_000)


@schedules.register("interval")
class IntervalSchedule(Schedule):
    """Runs at every instant t with (t - phase) mod interval = 0 since the epoch, in UTC.

    Counting from the epoch, not from the start, is what makes the times the same
    whatever instant the service resumes from.
    """

    interval: Duration
    phase: Duration = 0

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not math.isfinite(value) or _micros(value) <= 0:
            raise ValueError(f"must be greater than 0, got {describe_duration(value)}")
        return value

    @field_validator("phase")
    @classmethod
    def _within_interval(cls, value: float, info: ValidationInfo) -> float:
        interval = info.data.get("interval")
        if interval is not None and not 0 <= value < interval:
            raise ValueError("phase must be at least 0 and less than interval")
        return value

    def times(self, start: datetime) -> Iterator[ScheduleTime]:
        """1. Count microseconds from epoch + phase to `start`.
        2. Round up to a whole number of intervals: the first time at or after `start`.
        3. Step by the interval from there.
        """
        step = _micros(self.interval)
        since = (start - _EPOCH) // _MICROSECOND - _micros(self.phase)
        count = -(-since // step)
        while True:
            time = _EPOCH + (count * step + _micros(self.phase)) * _MICROSECOND
            args = {
                "time": format_time(time),
                "date": time.date().isoformat(),
                "daytime": format_daytime(time.time()),
            }
            yield ScheduleTime(time, args)
            count += 1

    def __str__(self) -> str:
        phase = f", phase {describe_duration(self.phase)}" if self.phase else ""
        return f"every {describe_duration(self.interval)}{phase}"
