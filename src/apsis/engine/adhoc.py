"""Ad hoc jobs: jobs posted with a run (SPEC §9.1), stored, never scheduled."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ApsisError
from ..jobs import parse_job
from ..model.job import Job
from ..model.run import Run
from ..store.ops import PutAdhocJob

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)


class AdhocJobs:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.jobs: dict[str, Job] = {}

    def add(self, job: Job) -> None:
        self.jobs[job.job_id] = job
        self.engine.writer.submit(PutAdhocJob(job.job_id, job.to_jso()))

    async def load_for(self, runs: Iterable[Run]) -> None:
        """The ad hoc jobs of these runs, so they can be shown and rerun."""
        for job_id in {run.job_id for run in runs} - self.engine.jobs.jobs.keys():
            await self.load(job_id)

    async def load(self, job_id: str) -> Job | None:
        """An ad hoc job from the store (posted with a run before a restart)."""
        if job_id in self.jobs:
            return self.jobs[job_id]
        engine = self.engine
        jso = await engine.writer.read(engine.store.get_adhoc_job, job_id)
        if jso is None:
            return None
        try:
            job = parse_job(_job_file_form(jso), job_id, {"calendars": engine.jobs.calendars})
        except ApsisError as exc:
            log.warning("ad hoc job %s cannot be loaded: %s", job_id, exc)
            return None
        self.jobs[job_id] = job
        return job


def _job_file_form(jso: dict[str, Any]) -> dict[str, Any]:
    """A stored job's JSON as a job file would write it (without display fields)."""
    form = {k: v for k, v in jso.items() if k not in ("job_id", "ad_hoc")}
    for key in ("condition", "action"):
        form[key] = [{k: v for k, v in item.items() if k != "str"} for item in form[key]]
    form["program"] = {k: v for k, v in form["program"].items() if k != "str"}
    form["schedule"] = []
    if form.get("retry") is None:
        form.pop("retry", None)
    return {**form, "ad_hoc": True}
