"""The schedule contract.

A schedule turns a start instant into the times at which its job should run. Every
schedule kind implements `times(start)`, which must yield:

1. aware UTC datetimes, strictly increasing, never before `start`;
2. the same times whatever `start` it is resumed from: times(b) is the suffix of
   times(a) from b on, for any a <= b, so a restart never adds or loses a time;
3. for local-time kinds, the DST rule of SPEC §5: a daytime in a spring-forward gap
   runs at the first valid instant after the gap (with a note saying so), or not at
   all with `dst_gap: skip`; a daytime in a fall-back fold runs once, at its first
   occurrence.

The base class adds what every kind shares: `enabled`, fixed `args`, and a
deterministic `jitter` that delays each run without changing its nominal time.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import Field

from ..kinds import Args, Family, Kind
from ..timespec import Duration


@dataclass(frozen=True, slots=True)
class ScheduleTime:
    """One time a schedule kind produces, with the args it supplies."""

    time: datetime
    args: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    """A run a schedule asks for.

    `nominal` is the schedule's own time (the key that makes a restart create it
    exactly once); `time` is when it is due, `nominal` plus any jitter.
    """

    nominal: datetime
    time: datetime
    args: Mapping[str, str]
    stop: datetime | None = None
    note: str | None = None


def jitter_offset(job_id: str, nominal: datetime, jitter: float) -> timedelta:
    """A delay in [0, jitter) that depends only on the job and the nominal time.

    Whole seconds when the jitter is a second or more, so due times stay readable.
    """
    digest = hashlib.blake2b(f"{job_id}\0{nominal.isoformat()}".encode(), digest_size=8).digest()
    fraction = int.from_bytes(digest, "big") / 2**64
    if jitter >= 1:
        return timedelta(seconds=int(fraction * jitter))
    return timedelta(milliseconds=int(fraction * jitter * 1000))


class Schedule(Kind):
    enabled: bool = True
    args: Args = Field(default_factory=dict)
    jitter: Duration | None = Field(default=None, ge=0)

    @abstractmethod
    def times(self, start: datetime) -> Iterator[ScheduleTime]:
        """The schedule's times from `start` on; see the module docstring."""

    def runs(self, start: datetime, job_id: str) -> Iterator[ScheduledRun]:
        """Runs with a nominal time at or after `start`, in nominal order."""
        for item in self.times(start):
            due = item.time
            if self.jitter:
                due += jitter_offset(job_id, item.time, self.jitter)
            yield ScheduledRun(
                nominal=item.time,
                time=due,
                args={**item.args, **self.args},
                note=item.note,
            )


class StopSchedule(Kind):
    """When a run started by a schedule is stopped, given its schedule time."""

    @abstractmethod
    def stop_time(self, schedule_time: datetime) -> datetime:
        """An instant after `schedule_time`."""


# The bases are abstract on purpose; a Family only uses its base for issubclass checks.
schedules: Family[Schedule] = Family("schedule", Schedule)  # type: ignore[type-abstract]
stop_schedules: Family[StopSchedule] = Family("stop schedule", StopSchedule)  # type: ignore[type-abstract]
