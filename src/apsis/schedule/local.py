"""Local wall-clock times and the one DST rule every schedule kind shares (SPEC §5).

A local time (a date and a daytime in a zone) names zero, one or two instants:

- none, in a spring-forward gap: it runs at the first valid instant after the gap,
  with a note saying so, or not at all with `dst_gap: skip`;
- two, in a fall-back fold: it runs once, at the first occurrence (fold=0).

The rule itself is `timespec.local_to_utc`, shared with the template helpers; this
module adds what schedules need around it: notes, `dst_gap: skip`, and walking wall
times in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ..timespec import format_daytime, local_to_utc
from .base import ScheduleTime

DstGap = Literal["first", "skip"]
"""What a local time inside a spring-forward gap does: run at the gap's end, or not at all."""

_SECOND = timedelta(seconds=1)


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive wall-clock reading of `instant` in `tz`."""
    return instant.astimezone(tz).replace(tzinfo=None)


def localize(
    day: date, daytime: time, tz: ZoneInfo, dst_gap: DstGap = "first"
) -> tuple[datetime | None, str | None]:
    """The UTC instant of `daytime` on `day` in `tz`, by the DST rule, and a note.

    Returns `(instant, None)` for an ordinary or repeated local time (the first
    occurrence); `(gap end, note)` for a nonexistent one; `(None, note)` for a
    nonexistent one with `dst_gap: skip`. The map from wall time to instant is
    non-decreasing, which is what lets callers walk wall times in order.
    """
    naive = datetime.combine(day, daytime)
    instant = local_to_utc(naive, tz)
    if wall(instant, tz) == naive:
        return instant, None
    missing = f"daytime {format_daytime(daytime)} does not exist on {day} in {tz.key}"
    if dst_gap == "skip":
        return None, f"{missing}; skipped (dst_gap: skip)"
    runs_at = format_daytime(instant.astimezone(tz).time())
    return instant, f"{missing}; runs at {runs_at} (first valid time after the gap)"


def localize_wall(
    naive: datetime, tz: ZoneInfo, dst_gap: DstGap = "first"
) -> tuple[datetime | None, str | None]:
    """`localize` for a naive wall-clock datetime."""
    return localize(naive.date(), naive.time(), tz, dst_gap)


def first_instant(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant of a naive wall time by the DST rule with `dst_gap: first`."""
    return local_to_utc(naive, tz)


def collapse(items: Iterable[ScheduleTime]) -> Iterator[ScheduleTime]:
    """Drop each item whose time equals the one before it, keeping the first.

    Several local times in one gap map to the same instant; it runs once. Callers
    pass the raw, non-decreasing sequence from a point before their start and filter
    afterwards, so which item survives never depends on where iteration resumed.
    """
    last: datetime | None = None
    for item in items:
        if item.time != last:
            yield item
        last = item.time


def before_resume(start: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall time whose local time is before `start`, by any reading.

    Every wall time after it that maps to `start` or later is therefore after it, so
    a wall-clock walk from here misses nothing (see `localize`: the map is monotone,
    and a wall reading never maps later than the instant it was read from).
    """
    return wall(start - _SECOND, tz)
