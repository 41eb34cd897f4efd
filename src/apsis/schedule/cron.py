"""The `cron` schedule: a five-field cron expression, evaluated in a time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, CroniterError, croniter
from pydantic import Field, field_validator

from ..timespec import TimeZone, format_daytime, format_time
from .base import Schedule, ScheduleTime, schedules
from .local import DstGap, before_resume, collapse, localize_wall

_FIELDS = "minute hour day-of-month month day-of-week"
# Any base will do for the load-time check that an expression ever matches; a fixed
# one keeps validation deterministic.
_PROBE = datetime(2000, 1, 1)


@schedules.register("cron")
class CronSchedule(Schedule):
    """The times cron would pick, read as wall-clock times in `tz`.

    croniter walks naive wall times, knowing nothing of DST; each is then mapped to
    an instant by the shared DST rule. Several times in one gap map to the gap's
    end and run there once; a time in a fold runs at its first occurrence only.
    """

    expr: str
    tz: TimeZone = Field(default_factory=lambda: ZoneInfo("UTC"))
    dst_gap: DstGap = "first"

    @field_validator("expr")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        expr = " ".join(value.split())
        if len(expr.split()) != 5:
            raise ValueError(f"{value!r} is not a cron expression: expected 5 fields ({_FIELDS})")
        try:
            croniter(expr, _PROBE).get_next(datetime)
        except CroniterBadDateError:
            raise ValueError(f"{value!r} never matches: no date has those fields") from None
        except CroniterError:
            raise ValueError(f"{value!r} is not a valid cron expression") from None
        return expr

    def times(self, start: datetime) -> Iterator[ScheduleTime]:
        """1. Start croniter at a wall time that maps before `start` (`before_resume`),
           so every cron time at or after `start` comes after it.
        2. Map each wall time to an instant, collapse repeats, keep those from `start`.
        """

        def raw() -> Iterator[ScheduleTime]:
            walk = croniter(self.expr, before_resume(start, self.tz))
            while True:
                instant, note = localize_wall(walk.get_next(datetime), self.tz, self.dst_gap)
                if instant is None:
                    continue
                local = instant.astimezone(self.tz)
                args = {
                    "time": format_time(instant),
                    "date": local.date().isoformat(),
                    "daytime": format_daytime(local.time()),
                }
                yield ScheduleTime(instant, args, note)

        return (item for item in collapse(raw()) if item.time >= start)

    def __str__(self) -> str:
        gap = ", dst_gap skip" if self.dst_gap == "skip" else ""
        return f"cron {self.expr!r} {self.tz.key}{gap}"
