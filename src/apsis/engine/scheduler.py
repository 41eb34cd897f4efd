"""Turning job schedules into runs as their times arrive.

Apsis 1.x materialised a whole day of future runs in memory before answering; here
each enabled schedule of each job is one lazy cursor in a heap keyed by its next
nominal time, so memory grows with the number of schedules, not with the horizon.

The *horizon* is the instant up to which (inclusive) every nominal time has been
turned into a stored run. It is written in the same transaction as those runs, so a
crash at any instant neither loses a scheduled time nor creates one twice: a restart
resumes every cursor just after the stored horizon.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..model.job import Job
from ..schedule import ScheduledRun

_TICK = timedelta(microseconds=1)
log = logging.getLogger(__name__)


@dataclass(order=True)
class _Cursor:
    nominal: datetime
    seq: int
    job_id: str = field(compare=False)
    runs: Iterator[ScheduledRun] = field(compare=False)
    current: ScheduledRun = field(compare=False)


@dataclass(frozen=True)
class Due:
    job: Job
    run: ScheduledRun


class Scheduler:
    """Cursors over every enabled schedule, after the horizon."""

    def __init__(self, jobs: Mapping[str, Job], after: datetime) -> None:
        self._seq = itertools.count()
        self._jobs: dict[str, Job] = {}
        self._heap: list[_Cursor] = []
        self.replace_jobs(jobs, after)

    def replace_jobs(self, jobs: Mapping[str, Job], after: datetime) -> None:
        """Start over with these job definitions, from just after `after`."""
        self._jobs = dict(jobs)
        self._heap = []
        for job in self._jobs.values():
            self._add(job, after)

    def _add(self, job: Job, after: datetime) -> None:
        for entry in job.schedules:
            if not entry.enabled:
                continue
            runs = entry.runs(after + _TICK, job.job_id)
            first = _next(runs, job.job_id)
            if first is not None:
                cursor = _Cursor(first.nominal, next(self._seq), job.job_id, runs, first)
                heapq.heappush(self._heap, cursor)

    def next_time(self) -> datetime | None:
        """The next nominal time any schedule produces."""
        return self._heap[0].nominal if self._heap else None

    def pop_due(self, until: datetime) -> list[Due]:
        """Every scheduled run with a nominal time at or before `until`, in time order.

        Each run's args are narrowed to its job's params, as a run gets them.
        """
        due: list[Due] = []
        while self._heap and self._heap[0].nominal <= until:
            cursor = self._heap[0]
            job = self._jobs[cursor.job_id]
            item = cursor.current
            args = job.run_args(item.args, item.time)
            due.append(Due(job, ScheduledRun(item.nominal, item.time, args, item.stop, item.note)))
            following = _next(cursor.runs, cursor.job_id)
            if following is None:
                heapq.heappop(self._heap)
            else:
                cursor.current, cursor.nominal = following, following.nominal
                heapq.heapreplace(self._heap, cursor)
        return due

    def __len__(self) -> int:
        return len(self._heap)


def _next(runs: Iterator[ScheduledRun], job_id: str) -> ScheduledRun | None:
    """The schedule's next run; None when it has no more, or cannot say.

    A schedule can fail to go on (an exchange calendar with no data that far ahead):
    that schedule stops, loudly, and every other job keeps its schedule.
    """
    try:
        return next(runs, None)
    except ValueError as exc:
        log.critical("%s: a schedule stopped producing runs: %s", job_id, exc)
        return None
