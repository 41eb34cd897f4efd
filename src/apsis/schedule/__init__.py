"""Schedules: when a job's runs are created (SPEC §5).

Importing this package registers every built-in schedule and stop-schedule kind.
`base` states the contract; each kind lives in its own module.
"""

from .base import (
    Schedule,
    ScheduledRun,
    ScheduleTime,
    StopSchedule,
    jitter_offset,
    schedules,
    stop_schedules,
)
from .cron import CronSchedule
from .daily import DailySchedule
from .daily_interval import Boundary, DailyIntervalSchedule
from .entry import ScheduleEntry, parse_schedule
from .explicit import ExplicitSchedule
from .interval import IntervalSchedule
from .local import DstGap, localize
from .stop import DaytimeStopSchedule, DurationStopSchedule

__all__ = [
    "Boundary",
    "CronSchedule",
    "DailyIntervalSchedule",
    "DailySchedule",
    "DaytimeStopSchedule",
    "DstGap",
    "DurationStopSchedule",
    "ExplicitSchedule",
    "IntervalSchedule",
    "Schedule",
    "ScheduleEntry",
    "ScheduleTime",
    "ScheduledRun",
    "StopSchedule",
    "jitter_offset",
    "localize",
    "parse_schedule",
    "schedules",
    "stop_schedules",
]
