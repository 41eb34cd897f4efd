"""`/api/control`: reloading the job directory, shutting down, the version (SPEC §9.1).

A reload is all or nothing (SPEC §3): the directory is loaded and checked in a thread
(it reads and validates every file, far too long to block the event loop), and only a
directory without a single error replaces the jobs in force.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException

from .. import __version__
from ..calendars import CalendarLookup
from ..config import Config
from ..engine.engine import Engine, diff_jobs
from ..jobs import JobDir, load_job_dir
from .context import ServiceDep
from .schema import BAD_REQUEST, Empty, Error, Reload, Version, ok

router = APIRouter(tags=["control"])
log = logging.getLogger(__name__)


def load_jobs(config: Config) -> JobDir:
    """The configured job directory, with the configured calendars; JobDirErrors lists
    every problem. The service's start and every reload load jobs this same way."""
    return load_job_dir(config.job_dir, CalendarLookup(config.calendars.dir))


async def reload_jobs_in_force(engine: Engine, config: Config) -> dict[str, list[str]]:
    """Load the job directory and put it in force; JobDirErrors (nothing changes) if
    it has any error. The reload endpoint and the job directory watcher both use it."""
    jobs = await asyncio.to_thread(load_jobs, config)
    report = engine.replace_jobs(jobs)
    log.info("jobs reloaded: %s", ", ".join(f"{len(v)} {k}" for k, v in report.items()))
    return report


@router.post("/reload_jobs", response_model=None, responses={**ok(Reload), **BAD_REQUEST})
async def reload_jobs(service: ServiceDep, dry_run: bool = False) -> dict[str, Any]:
    """Report the job IDs added, removed and changed; put them in force unless dry_run."""
    engine = service.engine
    if dry_run:
        jobs = await asyncio.to_thread(load_jobs, service.config)
        report = diff_jobs(engine.jobs.jobs, jobs.jobs)
    else:
        report = await reload_jobs_in_force(engine, service.config)
    return {**report, "dry_run": dry_run}


@router.post(
    "/shut_down",
    response_model=None,
    responses={**ok(Empty), 501: {"model": Error, "description": "Not shut down"}},
)
async def shut_down(service: ServiceDep, restart: str | None = None) -> dict[str, Any]:
    """Stop serving and close the engine in order; with `?restart`, start again after.

    The server finishes the requests in flight, this one included, before it stops.
    """
    if service.shut_down is None:
        raise HTTPException(501, "this service cannot be shut down over HTTP")
    service.shut_down(restart is not None)
    return {}


@router.get("/version", response_model=None, responses=ok(Version))
async def version() -> dict[str, Any]:
    return {"version": __version__}
