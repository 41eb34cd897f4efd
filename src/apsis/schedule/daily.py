"""The `daily` schedule: daytimes in a zone on the dates of a calendar, with shifts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import Field, field_validator

from ..calendars import DEFAULT_LOOKUP, CalendarRef
from ..timespec import (
    Daytime,
    Duration,
    TimeZone,
    describe_duration,
    format_daytime,
    format_time,
    parse_daytime,
)
from .base import Schedule, ScheduleTime, schedules
from .local import DstGap, collapse, localize


@schedules.register("daily")
class DailySchedule(Schedule):
    """On each calendar date D, at each daytime in `tz` on the date
    `calendar.shift(D, cal_shift) + date_shift days`, plus `time_shift`.

    The `date` arg stays D, the nominal date, so a run shifted to the next business
    day still says which day it is for.
    """

    tz: TimeZone
    daytime: tuple[Daytime, ...]
    calendar: CalendarRef = Field(default_factory=lambda: DEFAULT_LOOKUP.get("all"))
    date_shift: int = 0
    cal_shift: int = 0
    time_shift: Duration = 0
    dst_gap: DstGap = "first"

    @field_validator("daytime", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        """A lone daytime becomes a list of one, parsed here so its error says `daytime:`."""
        return value if isinstance(value, list | tuple) else [parse_daytime(value)]

    @field_validator("daytime")
    @classmethod
    def _sorted_unique(cls, value: tuple[time, ...]) -> tuple[time, ...]:
        if not value:
            raise ValueError("expected at least one daytime")
        return tuple(sorted(set(value)))

    def _on(self, day: date) -> Iterator[ScheduleTime]:
        """The times for calendar date `day`, in daytime order (non-decreasing)."""
        run_date = self.calendar.shift(day, self.cal_shift) + timedelta(days=self.date_shift)
        shift = timedelta(seconds=self.time_shift)
        for daytime in self.daytime:
            instant, note = localize(run_date, daytime, self.tz, self.dst_gap)
            if instant is None:
                continue
            instant += shift
            args = {
                "date": day.isoformat(),
                "time": format_time(instant),
                "daytime": format_daytime(daytime),
                "calendar": self.calendar.name,
                "tz": self.tz.key,
            }
            yield ScheduleTime(instant, args, note)

    def _first_date(self, start: datetime) -> date:
        """A calendar date with a time before `start`; no earlier date has one after it.

        1. Guess by undoing the shifts on `start`'s local date.
        2. Step back while the guess has no time before `start` (shifts may be large
           or negative, and a date may lose all its times to `dst_gap: skip`).
        Times are non-decreasing in D, so every time of an earlier date is earlier
        still, and walking forward from here finds every time at or after `start`.
        """
        local = (start - timedelta(seconds=self.time_shift)).astimezone(self.tz).date()
        day = self.calendar.before(local - timedelta(days=self.date_shift))
        day = self.calendar.shift(day, -self.cal_shift)
        while not any(item.time < start for item in self._on(day)):
            day = self.calendar.prev(day)
        return day

    def times(self, start: datetime) -> Iterator[ScheduleTime]:
        def raw() -> Iterator[ScheduleTime]:
            for day in self.calendar.dates(self._first_date(start)):
                yield from self._on(day)

        return (item for item in collapse(raw()) if item.time >= start)

    def __str__(self) -> str:
        daytimes = ", ".join(format_daytime(d) for d in self.daytime)
        text = f"daily at {daytimes} {self.tz.key}"
        if self.calendar.name != "all":
            text += f" on {self.calendar.name}"
        extras = [
            f"cal_shift {self.cal_shift}" if self.cal_shift else "",
            f"date_shift {self.date_shift}" if self.date_shift else "",
            f"time_shift {describe_duration(self.time_shift)}" if self.time_shift else "",
            "dst_gap skip" if self.dst_gap == "skip" else "",
        ]
        return ", ".join([text, *filter(None, extras)])
