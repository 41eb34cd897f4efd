"""The `daily-interval` schedule: every `interval` within a daily window of local time."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..calendars import DEFAULT_LOOKUP, Calendar, CalendarRef
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
from .local import DstGap, collapse, first_instant, localize_wall

_DAY = 86400
# As the calendars do: ten years of dates without a time means the schedule is over.
_EMPTY_LIMIT = 3660

Window = tuple[datetime, Iterator[ScheduleTime]]
"""A lower bound for the times of one date's window, and those times in order."""


class Boundary(BaseModel):
    """One end of the window: a daytime on a date shifted from the nominal date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    daytime: Daytime
    date_shift: int = 0
    cal_shift: int = 0

    def on(self, day: date, calendar: Calendar) -> datetime:
        """The naive local wall time of this boundary for nominal date `day`."""
        shifted = calendar.shift(day, self.cal_shift) + timedelta(days=self.date_shift)
        return datetime.combine(shifted, self.daytime)

    def __str__(self) -> str:
        shifts = [
            f"cal_shift {self.cal_shift}" if self.cal_shift else "",
            f"date_shift {self.date_shift}" if self.date_shift else "",
        ]
        shown = ", ".join(filter(None, shifts))
        return format_daytime(self.daytime) + (f" ({shown})" if shown else "")


def _merge(windows: Iterator[Window]) -> Iterator[ScheduleTime]:
    """Merge the windows' times into one non-decreasing sequence.

    Windows may overlap when a stop is shifted past the next date's start. Ties go
    to the earlier window. A window joins the merge once its bound is no later than
    the earliest pending time; bounds never decrease, so no later window can hold
    an earlier time.
    """
    heap: list[tuple[datetime, int, ScheduleTime, Iterator[ScheduleTime]]] = []
    bound, items = next(windows)
    order = empty = 0
    while True:
        while not heap or bound <= heap[0][0]:
            first = next(items, None)
            if first is not None:
                heapq.heappush(heap, (first.time, order, first, items))
                order, empty = order + 1, 0
            elif not heap:
                empty += 1
                if empty >= _EMPTY_LIMIT:
                    return
            bound, items = next(windows)
        _, rank, item, rest = heapq.heappop(heap)
        yield item
        following = next(rest, None)
        if following is not None:
            heapq.heappush(heap, (following.time, rank, following, rest))


@schedules.register("daily-interval")
class DailyIntervalSchedule(Schedule):
    """On each calendar date, every `interval` of local wall-clock time from `start`
    (inclusive) to `stop` (exclusive).

    Steps are wall-clock steps, so a day's runs fall at the same local times every
    day. On a spring-forward date the times inside the gap collapse onto the first
    valid instant once; on a fall-back date the repeated hour runs once, at its first
    occurrence. With `dst_gap: skip`, gap times do not run, and neither does a date
    whose start or stop lies in a gap (the older behaviour).
    """

    tz: TimeZone
    calendar: CalendarRef = Field(default_factory=lambda: DEFAULT_LOOKUP.get("all"))
    start: Boundary
    stop: Boundary
    interval: Duration
    dst_gap: DstGap = "first"

    @field_validator("start", "stop", mode="before")
    @classmethod
    def _bare_daytime(cls, value: Any) -> Any:
        """A bare daytime means no shifts; parsed here so its error says `start:`."""
        return value if isinstance(value, Mapping) else {"daytime": parse_daytime(value)}

    @field_validator("stop")
    @classmethod
    def _after_start(cls, value: Boundary, info: ValidationInfo) -> Boundary:
        start = info.data.get("start")
        if (
            start is not None
            and (start.cal_shift, start.date_shift) == (value.cal_shift, value.date_shift)
            and value.daytime <= start.daytime
        ):
            raise ValueError(
                f"{value} is not after start {start}; "
                "give the stop a date_shift of 1 to end on the next day"
            )
        return value

    @field_validator("interval")
    @classmethod
    def _less_than_a_day(cls, value: float) -> float:
        if not (math.isfinite(value) and 0 < value < _DAY):
            raise ValueError(
                f"must be more than 0 and less than a day, got {describe_duration(value)}"
            )
        return value

    def _window(self, day: date) -> Window:
        """The times of nominal date `day`, and the instant they cannot precede."""
        begin = self.start.on(day, self.calendar)
        end = self.stop.on(day, self.calendar)
        return first_instant(begin, self.tz), self._steps(day, begin, end)

    def _steps(self, day: date, begin: datetime, end: datetime) -> Iterator[ScheduleTime]:
        if self.dst_gap == "skip" and (
            localize_wall(begin, self.tz, "skip")[0] is None
            or localize_wall(end, self.tz, "skip")[0] is None
        ):
            return
        step = timedelta(seconds=self.interval)
        count = 0
        while (wall := begin + count * step) < end:
            count += 1
            instant, note = localize_wall(wall, self.tz, self.dst_gap)
            if instant is None:
                continue
            args = {
                "date": day.isoformat(),
                "time": format_time(instant),
                "daytime": format_daytime(instant.astimezone(self.tz).time()),
                "calendar": self.calendar.name,
                "tz": self.tz.key,
            }
            yield ScheduleTime(instant, args, note)

    def _first_date(self, start: datetime) -> date:
        """A calendar date whose window ends before `start`, as do all earlier ones.

        Every time of a window is at most its stop instant, and stops never decrease
        with the date, so walking forward from here finds every time from `start` on.
        """
        day = self.calendar.before(start.astimezone(self.tz).date())
        while first_instant(self.stop.on(day, self.calendar), self.tz) >= start:
            day = self.calendar.prev(day)
        return day

    def times(self, start: datetime) -> Iterator[ScheduleTime]:
        windows = (self._window(day) for day in self.calendar.dates(self._first_date(start)))
        return (item for item in collapse(_merge(windows)) if item.time >= start)

    def __str__(self) -> str:
        text = (
            f"every {describe_duration(self.interval)} from {self.start} to {self.stop} "
            f"{self.tz.key}"
        )
        if self.calendar.name != "all":
            text += f" on {self.calendar.name}"
        return text + (", dst_gap skip" if self.dst_gap == "skip" else "")
