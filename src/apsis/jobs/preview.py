"""What jobs' schedules will produce: the next runs, in time order (SPEC §5 Preview).

`preview_runs` looks ahead for one job; `upcoming_runs` for many jobs at once, over a
window of time, by merging every schedule's lazy generator, so its cost follows the
runs it answers (and the number of schedules), never the length of the window.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..model.job import Job
from ..schedule import ScheduledRun
from ..timespec import format_time

_TICK = timedelta(microseconds=1)
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def preview_runs(job: Job, start: datetime, count: int) -> list[ScheduledRun]:
    """The first `count` runs due at or after `start`, ordered by due time.

    Runs are generated in nominal order; jitter can move a run past its successor, so
    a few extra runs are read and the result sorted by due time. Jitter is always
    smaller than the look-ahead in practice; the bound keeps this finite for any job.
    """
    upcoming = (run for run in _knowable(job.scheduled_runs(start)) if run.time >= start)
    window = list(itertools.islice(upcoming, count + 64))
    return heapq.nsmallest(count, window, key=lambda run: (run.time, run.nominal))


def run_to_jso(run: ScheduledRun) -> dict[str, Any]:
    jso: dict[str, Any] = {"time": format_time(run.time), "args": dict(run.args)}
    if run.stop is not None:
        jso["stop"] = format_time(run.stop)
    if run.note:
        jso["note"] = run.note
    return jso


@dataclass(frozen=True, slots=True)
class UpcomingRun:
    job_id: str
    run: ScheduledRun


_UNKNOWABLE = (ValueError, OverflowError)
"""What a schedule raises when it cannot produce its next time: an exchange calendar
with no data that far ahead (ValueError), or a time past year 9999 (OverflowError). The
scheduler then stops that schedule, and so does a preview."""


def _next(runs: Iterator[ScheduledRun]) -> ScheduledRun | None:
    """The schedule's next run; None when it has no more, or cannot say."""
    try:
        return next(runs, None)
    except _UNKNOWABLE:
        return None


def _knowable(runs: Iterator[ScheduledRun]) -> Iterator[ScheduledRun]:
    """`runs` up to where one of the merged schedules cannot say what comes next."""
    try:
        yield from runs
    except _UNKNOWABLE:
        return


def upcoming_runs(
    jobs: Iterable[Job],
    start: datetime,
    end: datetime,
    limit: int,
    *,
    after: datetime | None = None,
) -> tuple[list[UpcomingRun], bool]:
    """The runs the jobs' enabled schedules produce due in [start, end), in due-time
    order (ties: by nominal time, then in the order of `jobs` and of their schedules),
    at most `limit` of them; and whether there were more. With `after`, only runs with
    a nominal time after it: what the scheduler has not created yet (its horizon).

    As the scheduler does, each schedule is one lazy cursor in a heap keyed by its
    next nominal time, and a run's args are narrowed to its job's params, so these are
    the runs it will create. Only the runs up to the answer's last are generated, plus
    one per schedule: the cost follows the answer and the number of schedules, never
    the length of the window. Jitter delays a run by less than its schedule's `jitter`
    and can reorder runs, so a run waits in a second heap, keyed by due time, until
    the nominal times have passed its due time: no run still to come is due earlier.
    """
    cursors: list[tuple[datetime, int, ScheduledRun, Iterator[ScheduledRun], Job]] = []
    order = itertools.count()
    for job in jobs:
        for entry in job.schedules:
            if not entry.enabled:
                continue
            lower = start
            jitter = timedelta(seconds=entry.schedule.jitter or 0)
            if jitter and start - _EARLIEST > jitter:
                lower = start - jitter  # a run due at `start` may have an earlier nominal
            if after is not None and lower <= after:
                lower = after + _TICK
            runs = entry.runs(lower, job.job_id)
            if (first := _next(runs)) is not None:
                cursors.append((first.nominal, next(order), first, runs, job))
    heapq.heapify(cursors)
    waiting: list[tuple[datetime, datetime, int, ScheduledRun, Job]] = []
    found: list[UpcomingRun] = []

    def release(before: datetime | None) -> None:
        while waiting and len(found) <= limit and (before is None or waiting[0][0] < before):
            _, _, _, run, job = heapq.heappop(waiting)
            args = job.run_args(run.args, run.time)
            found.append(UpcomingRun(job.job_id, dataclasses.replace(run, args=args)))

    while cursors and len(found) <= limit:
        nominal, seq, run, runs, job = cursors[0]
        if nominal >= end:
            break
        release(nominal)
        if start <= run.time < end:
            heapq.heappush(waiting, (run.time, nominal, next(order), run, job))
        if (following := _next(runs)) is None:
            heapq.heappop(cursors)
        else:
            heapq.heapreplace(cursors, (following.nominal, seq, following, runs, job))
    release(None)
    return found[:limit], len(found) > limit
