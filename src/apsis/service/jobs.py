"""`/api/v1/jobs`: the jobs in force, one job, its runs and its upcoming schedule; and
`/api/v1/schedule`: the upcoming runs of every job over a window of time.

Job IDs contain slashes (`etl/load`), so the routes take the ID as a path, and the
suffixes `/runs` and `/schedule` are reserved: `/jobs/etl/load/runs` is the runs of
`etl/load`, never the job `etl/load/runs`. Such a job is still reached by its fuzzy
form (`/jobs/etl load runs`) or in `/jobs`. The suffixed routes are registered first,
since routes are tried in order and the plain path would match them all.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..errors import ApsisError, NoSuchJob
from ..jobs.preview import preview_runs, run_to_jso, upcoming_runs
from ..timespec import format_time
from .api import resolve_job_id
from .context import ServiceDep
from .paging import DEFAULT_PAGE, MAX_PAGE, RunFilter, page_runs, parse_bound, parse_param_time
from .schema import BAD_REQUEST, NOT_FOUND, Job, JobSchedule, RunsPage, Upcoming, ok

router = APIRouter(tags=["jobs"])

DEFAULT_PREVIEW = 10
MAX_PREVIEW = 1000
DEFAULT_UPCOMING = 1000
MAX_UPCOMING = 10_000
UPCOMING_SPAN = timedelta(days=1)
"""The window GET /schedule looks over when it is given no `end`."""
_LATEST = datetime.max.replace(tzinfo=UTC)


@router.get("/jobs", response_model=None, responses=ok(list[Job]))
async def get_jobs(service: ServiceDep, label: str | None = None) -> list[dict[str, Any]]:
    jobs = sorted(service.engine.jobs.jobs.values(), key=lambda job: job.job_id)
    return [job.to_jso() for job in jobs if label is None or label in job.labels]


@router.get(
    "/jobs/{job_id:path}/runs",
    response_model=None,
    responses={**ok(RunsPage), **BAD_REQUEST, **NOT_FOUND},
)
async def get_job_runs(
    service: ServiceDep,
    job_id: str,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    before: Annotated[str | None, Query(description="a time or a cursor")] = None,
    after: Annotated[str | None, Query(description="a time or a cursor")] = None,
    summary: bool = False,
) -> dict[str, Any]:
    """The job's runs from the whole history, newest first, a page at a time.

    A job no longer in the job directory is found by its exact ID while it has runs.
    """
    engine = service.engine
    now = engine.clock.now()
    try:
        target, known = resolve_job_id(engine, job_id), True
    except NoSuchJob:
        target, known = job_id, False
    page = await page_runs(
        engine, RunFilter(job_id=target), before=parse_bound("before", before, now),
        after=parse_bound("after", after, now), limit=limit,
    )  # fmt: skip
    if not known and not page.rows and before is None and after is None:
        raise NoSuchJob(job_id)
    return page.jso(engine, summary)


@router.get(
    "/jobs/{job_id:path}/schedule",
    response_model=None,
    responses={**ok(JobSchedule), **BAD_REQUEST, **NOT_FOUND},
)
async def get_job_schedule(
    service: ServiceDep,
    job_id: str,
    count: Annotated[int, Query(ge=1, le=MAX_PREVIEW)] = DEFAULT_PREVIEW,
    start: Annotated[str | None, Query(description='a time, or "now" (default)')] = None,
) -> dict[str, Any]:
    """The next `count` runs the job's schedules will create from `start` on: their
    times, args, stop times and notes. Nothing is created."""
    engine = service.engine
    now = engine.clock.now()
    start_time = now if start is None else parse_param_time("start", start, now)
    job = engine.job(resolve_job_id(engine, job_id))
    # Schedules are pure; a long preview of a sparse calendar must not hold the loop.
    runs = await asyncio.to_thread(preview_runs, job, start_time, count)
    return {"job_id": job.job_id, "runs": [run_to_jso(run) for run in runs]}


@router.get("/schedule", response_model=None, responses={**ok(Upcoming), **BAD_REQUEST})
async def get_schedule(
    service: ServiceDep,
    start: Annotated[str | None, Query(description='a time, or "now" (default)')] = None,
    end: Annotated[str | None, Query(description="a time; default one day after start")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_UPCOMING)] = DEFAULT_UPCOMING,
    job_prefix: Annotated[str | None, Query(description="job IDs starting so")] = None,
    label: Annotated[
        list[str] | None, Query(description="jobs carrying this label; repeat it for several")
    ] = None,
) -> dict[str, Any]:
    """The runs the jobs' enabled schedules will create, due in [`start`, `end`), in
    time order; `more` when `limit` cut the list. Nothing is created.

    Only what is still to come: runs the scheduler has already created (every nominal
    time up to its horizon, which is now or just before) are in GET /runs instead.
    """
    engine = service.engine
    now = engine.clock.now()
    start_time = now if start is None else parse_param_time("start", start, now)
    if end is None:
        end_time = start_time + min(UPCOMING_SPAN, _LATEST - start_time)
    elif (end_time := parse_param_time("end", end, now)) <= start_time:
        raise ApsisError(f"end: {format_time(end_time)} is not after start")
    labels = label or []
    jobs = sorted(
        (
            job
            for job in engine.jobs.jobs.values()
            if job.job_id.startswith(job_prefix or "")
            and all(name in job.labels for name in labels)
        ),
        key=lambda job: job.job_id,
    )
    # Pure, over frozen jobs taken now: off the loop, like the per-job preview.
    runs, more = await asyncio.to_thread(
        upcoming_runs, jobs, start_time, end_time, limit, after=engine.horizon
    )
    return {
        "runs": [{"job_id": item.job_id, **run_to_jso(item.run)} for item in runs],
        "more": more,
    }


@router.get(
    "/jobs/{job_id:path}", response_model=None, responses={**ok(Job), **BAD_REQUEST, **NOT_FOUND}
)
async def get_job(service: ServiceDep, job_id: str) -> dict[str, Any]:
    engine = service.engine
    return engine.job(resolve_job_id(engine, job_id)).to_jso()
