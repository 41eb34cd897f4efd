"""What to do with the times missed while the service was down (SPEC §5).

Every missed time ends in a recorded outcome: it runs now, or it is stored as a
skipped run whose run log says why. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..config import ScheduleConfig
from ..model.job import Job
from ..schedule import ScheduledRun
from ..timespec import format_time

_TICK = timedelta(microseconds=1)


@dataclass
class CatchupPlan:
    run: list[tuple[Job, ScheduledRun]] = field(default_factory=list)
    skipped: list[tuple[Job, ScheduledRun, str]] = field(default_factory=list)


def missed_runs(job: Job, horizon: datetime, now: datetime) -> list[ScheduledRun]:
    """The job's runs with a nominal time after `horizon` and at or before `now`."""
    missed = []
    for run in job.scheduled_runs(horizon + _TICK):
        if run.nominal > now:
            break
        missed.append(run)
    return missed


def plan_catchup(
    config: ScheduleConfig, jobs: Mapping[str, Job], horizon: datetime, now: datetime
) -> CatchupPlan:
    """Sort every missed time into run-now or skipped-with-a-reason.

    1. `schedule.since: now` skips everything missed; a time skips what came before it.
    2. `schedule.max_age` skips times older than that.
    3. The job's `catchup` policy: `all` runs the rest, `latest` only the most recent,
       `none` nothing.
    """
    plan = CatchupPlan()
    too_old = now - timedelta(seconds=config.max_age) if config.max_age else None
    for job in jobs.values():
        keep: list[ScheduledRun] = []
        for run in missed_runs(job, horizon, now):
            if config.since == "now":
                plan.skipped.append((job, run, "missed while the service was down (since: now)"))
            elif isinstance(config.since, datetime) and run.nominal < config.since:
                reason = f"missed, before schedule.since {format_time(config.since)}"
                plan.skipped.append((job, run, reason))
            elif too_old is not None and run.nominal < too_old:
                plan.skipped.append((job, run, "missed, older than schedule.max_age"))
            elif job.catchup == "none":
                plan.skipped.append((job, run, "missed while the service was down (catchup: none)"))
            else:
                keep.append(run)
        if job.catchup == "latest" and len(keep) > 1:
            reason = "missed; a later missed time runs instead (catchup: latest)"
            plan.skipped.extend((job, run, reason) for run in keep[:-1])
            keep = keep[-1:]
        plan.run.extend((job, run) for run in keep)
    return plan
