"""`/api/v1`: liveness, and runs as collections (SPEC §9.1).

Shapes follow Apsis (research/apsis-reference.md §4): run collections are
`{"when": now, "runs": {run_id: run}}`.

Without paging parameters, runs are answered from the engine's memory, which holds
every unfinished run and the runs finished within `runs.lookback`. Older runs are read
from the store only when a query asks for them, by `since` before that window or by
run ID, so the common query (what is happening now) never touches the database. With
`limit`, `before` or `after`, a page of the whole history is read from the store
(`paging.py`).
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..engine.creation import RunFactory
from ..engine.engine import Engine
from ..engine.records import from_record
from ..errors import ApsisError, NoSuchJob, SpecErrors
from ..jobs import match_job_id, parse_job
from ..model.job import Job
from ..model.run import Run, run_number
from ..timespec import format_time, parse_duration, parse_time
from .context import ServiceDep
from .paging import (
    DEFAULT_PAGE,
    MAX_PAGE,
    RunFilter,
    page_runs,
    parse_bound,
    parse_param_time,
    parse_state_list,
)
from .schema import BAD_REQUEST, NOT_FOUND, Empty, Runs, RunsPage, ok

router = APIRouter(tags=["v1"])

_QUERY_NAMES = frozenset(
    {"job_id", "state", "since", "run_id", "summary", "label", "job_prefix", "limit", "before",
     "after"}
)  # fmt: skip
"""Query parameters of GET /runs that are not arg filters; `_job_id=x` filters on an
arg called job_id."""

MAX_COUNT = 1000


def runs_response(engine: Engine, runs: Iterable[Run], summary: bool = False) -> dict[str, Any]:
    """The Apsis collection shape, runs in run-number order."""
    ordered = sorted(runs, key=lambda run: run.number)
    return {
        "when": format_time(engine.clock.now()),
        "runs": {run.run_id: run.summary_jso() if summary else run.to_jso() for run in ordered},
    }


def resolve_job_id(engine: Engine, target: str) -> str:
    """A job ID as a user typed it (SPEC §9.1 fuzzy IDs); ad hoc jobs only exactly."""
    if target in engine.jobs.jobs or target in engine.adhoc.jobs:
        return target
    return match_job_id(target, engine.jobs.jobs)


@router.get("/alive", response_model=None, responses=ok(Empty))
async def alive() -> dict[str, Any]:
    return {}


@router.get("/running", response_model=None, responses=ok(Empty))
async def running(service: ServiceDep) -> dict[str, Any]:
    """Answers once the engine has started: clients poll this after starting a service."""
    await service.running.wait()
    return {}


# --- GET /runs -----------------------------------------------------------------------


def _arg_filters(request: Request) -> dict[str, str]:
    args = {}
    for name, value in request.query_params.multi_items():
        if name in _QUERY_NAMES:
            continue
        if name.startswith("_") and name[1:] in _QUERY_NAMES:
            name = name[1:]
        args[name] = value
    return args


def _job_filter(engine: Engine, job_id: str | None) -> str | None:
    """The job to filter on; an ID no current job matches is taken as written, since the
    runs of a job removed from the job directory are still there to be asked for."""
    if job_id is None:
        return None
    try:
        return resolve_job_id(engine, job_id)
    except NoSuchJob:
        return job_id


def _valid_run_ids(run_ids: Iterable[str]) -> list[str]:
    """The well-formed IDs; a malformed one names no run, so it filters nothing in."""
    valid = []
    for run_id in run_ids:
        try:
            run_number(run_id)
        except ValueError:
            continue
        valid.append(run_id)
    return valid


def _in_memory(engine: Engine, where: RunFilter) -> Iterable[Run]:
    """The runs in memory a query could match, through the narrowest index."""
    if where.run_ids is not None:
        return (run for run in map(engine.index.get, where.run_ids) if run is not None)
    if where.job_id is not None:
        return engine.index.runs_of_job(where.job_id)
    return engine.index


async def _stored(engine: Engine, where: RunFilter) -> list[Run]:
    """The matching runs that only the store has: those asked for by ID that are not in
    memory, or, for a `since` before the memory window, everything from then on."""
    if where.run_ids is not None:
        run_ids = [run_id for run_id in where.run_ids if engine.index.get(run_id) is None]
        if not run_ids:
            return []
        where = dataclasses.replace(where, run_ids=run_ids)
    else:
        lookback = engine.config.runs.lookback
        if where.since is None or lookback is None:
            return []
        if where.since >= engine.clock.now() - timedelta(seconds=lookback):
            return []
    records = await engine.writer.read(engine.store.query_runs, **where.store_filters())
    # A run in memory may be ahead of its stored record: memory answered for it.
    runs = [from_record(r) for r in records if engine.index.get(r["run_id"]) is None]
    return [run for run in runs if where.label is None or where.label in run.labels]


@router.get("/runs", response_model=None, responses={**ok(Runs | RunsPage), **BAD_REQUEST})
async def get_runs(
    request: Request,
    service: ServiceDep,
    job_id: Annotated[str | None, Query(description="a job ID, matched fuzzily")] = None,
    state: Annotated[
        list[str] | None, Query(description="state names; repeat it or separate with commas")
    ] = None,
    since: Annotated[str | None, Query(description="runs scheduled at or after")] = None,
    run_id: Annotated[list[str] | None, Query(description="repeatable")] = None,
    summary: bool = False,
    label: Annotated[str | None, Query(description="runs carrying this label")] = None,
    job_prefix: Annotated[str | None, Query(description="job IDs starting so")] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="page size")] = None,
    before: Annotated[str | None, Query(description="a time or a cursor")] = None,
    after: Annotated[str | None, Query(description="a time or a cursor")] = None,
) -> dict[str, Any]:
    """Runs matching every filter; any other `name=value` parameter filters on args.

    `since` compares with the schedule time, the time the store indexes. With `limit`,
    `before` or `after`, one page of the whole stored history (docs/api.md, Paging).
    """
    engine = service.engine
    now = engine.clock.now()
    since_time = None if since is None else parse_param_time("since", since, now)
    where = RunFilter(
        job_id=_job_filter(engine, job_id),
        job_prefix=job_prefix,
        states=parse_state_list(state),
        label=label,
        since=since_time,
        args=_arg_filters(request),
        run_ids=None if run_id is None else _valid_run_ids(run_id),
    )
    if limit is not None or before is not None or after is not None:
        page = await page_runs(
            engine, where, before=parse_bound("before", before, now),
            after=parse_bound("after", after, now), limit=limit or DEFAULT_PAGE,
        )  # fmt: skip
        return page.jso(engine, summary)
    found = [run for run in _in_memory(engine, where) if where.matches(run)]
    found += await _stored(engine, where)
    return runs_response(engine, found, summary)


# --- POST /runs ----------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunTimes(_Body):
    schedule: str = Field("now", description='"now" or an ISO 8601 time')
    stop: str | float | None = Field(
        None, description="a time, or a duration from the schedule time"
    )

    @field_validator("stop", mode="before")
    @classmethod
    def _not_bool(cls, value: Any) -> Any:
        # JSON `true` would otherwise pass as the number 1: one second.
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a time or duration")
        return value


class NewRuns(_Body):
    """A job by ID, or `job`: an inline job, as a job file writes it (ad hoc)."""

    job_id: str | None = None
    job: dict[str, Any] | None = None
    args: dict[str, str] = Field(default_factory=dict)
    times: RunTimes = Field(default_factory=RunTimes)


def _times(times: RunTimes, now: datetime) -> tuple[datetime, datetime | None]:
    schedule = parse_param_time("times.schedule", times.schedule, now)
    if times.stop is None:
        return schedule, None
    stop: datetime | None = None
    if isinstance(times.stop, str):
        try:
            stop = parse_time(times.stop, now)
        except ValueError:
            stop = None
    if stop is None:
        try:
            stop = schedule + timedelta(seconds=parse_duration(times.stop))
        except (ValueError, OverflowError):  # OverflowError: a duration past year 9999
            raise ApsisError(f"times.stop: {times.stop!r} is not a time or duration") from None
    if stop <= schedule:
        raise ApsisError(f"times.stop: {format_time(stop)} is not after the schedule time")
    return schedule, stop


def _adhoc_job(engine: Engine, data: dict[str, Any]) -> Job:
    """Parse an inline job under a fresh ad hoc ID; errors are located under `job`."""
    job_id = "adhoc-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    try:
        return parse_job({**data, "ad_hoc": True}, job_id, {"calendars": engine.jobs.calendars})
    except SpecErrors as exc:
        raise SpecErrors([error.within("job") for error in exc.errors]) from None


@router.post("/runs", response_model=None, responses={**ok(Runs), **BAD_REQUEST, **NOT_FOUND})
async def post_runs(
    service: ServiceDep,
    body: NewRuns,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT)] = 1,
) -> dict[str, Any]:
    """Create `count` runs of one job, due at `times.schedule` (default now)."""
    engine = service.engine
    schedule, stop = _times(body.times, engine.clock.now())
    if body.job_id is not None and body.job is not None:
        raise ApsisError("give either job_id or job, not both")
    if body.job is not None:
        job = _adhoc_job(engine, body.job)
        RunFactory.check_args(job, body.args)
        engine.adhoc.add(job)
    elif body.job_id is not None:
        job = engine.job(resolve_job_id(engine, body.job_id))
    else:
        raise ApsisError("missing job_id or job")
    created = [engine.schedule(job.job_id, body.args, schedule, stop=stop) for _ in range(count)]
    return runs_response(engine, created)
