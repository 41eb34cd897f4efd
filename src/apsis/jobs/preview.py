"""What a job's schedules will produce: the next runs, in time order (SPEC §5 Preview)."""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime
from typing import Any

from ..model.job import Job
from ..schedule import ScheduledRun
from ..timespec import format_time


def preview_runs(job: Job, start: datetime, count: int) -> list[ScheduledRun]:
    """The first `count` runs due at or after `start`, ordered by due time.

    Runs are generated in nominal order; jitter can move a run past its successor, so
    a few extra runs are read and the result sorted by due time. Jitter is always
    smaller than the look-ahead in practice; the bound keeps this finite for any job.
    """
    upcoming = (run for run in job.scheduled_runs(start) if run.time >= start)
    window = list(itertools.islice(upcoming, count + 64))
    return heapq.nsmallest(count, window, key=lambda run: (run.time, run.nominal))


def run_to_jso(run: ScheduledRun) -> dict[str, Any]:
    jso: dict[str, Any] = {"time": format_time(run.time), "args": dict(run.args)}
    if run.stop is not None:
        jso["stop"] = format_time(run.stop)
    if run.note:
        jso["note"] = run.note
    return jso
