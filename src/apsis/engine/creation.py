"""Making runs: IDs, binding against the job, and the first stored state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..bind import bind_names, templates
from ..errors import ApsisError, BindError
from ..model.job import Job
from ..model.run import Run
from ..model.state import State
from ..schedule import ScheduledRun
from ..timespec import format_time

if TYPE_CHECKING:
    from .engine import Engine

_BLOCK = 1000


class RunFactory:
    """Creates runs; run numbers come from blocks reserved in the store, so a number
    handed out is never handed out again, even after a crash."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._next = 0
        self._end = 0
        self._refilling = False
        self._spare: tuple[int, int] | None = None
        self._templated: dict[str, tuple[Job, bool]] = {}

    async def reserve(self) -> None:
        first = await self.engine.writer.read(self.engine.store.allocate_run_numbers, _BLOCK)
        self._next, self._end = first, first + _BLOCK

    def _number(self) -> int:
        if self._next >= self._end:
            if self._spare is not None:
                (self._next, self._end), self._spare = self._spare, None
            else:
                # A burst outran the prefetch: reserve synchronously, rarely.
                first = self.engine.store.allocate_run_numbers(_BLOCK)
                self._next, self._end = first, first + _BLOCK
        if self._end - self._next < _BLOCK // 4 and not self._refilling and self._spare is None:
            self._refilling = True
            self.engine.spawn(self._prefetch(), "reserve run IDs")
        number = self._next
        self._next += 1
        return number

    async def _prefetch(self) -> None:
        try:
            first = await self.engine.writer.read(self.engine.store.allocate_run_numbers, _BLOCK)
            self._spare = (first, first + _BLOCK)
        finally:
            self._refilling = False

    @staticmethod
    def check_args(job: Job, args: Mapping[str, str]) -> None:
        """Raise ApsisError unless `args` gives exactly the job's params."""
        missing = [p for p in job.params if p not in args]
        extra = [name for name in args if name not in job.params]
        if missing:
            raise ApsisError(f"job {job.job_id!r}: missing args: {', '.join(missing)}")
        if extra:
            raise ApsisError(f"job {job.job_id!r}: unknown args: {', '.join(extra)}")

    def create_scheduled(
        self, job: Job, scheduled: ScheduledRun, *, skip_reason: str | None = None
    ) -> Run:
        """A run a schedule asked for."""
        return self.create(
            job,
            dict(scheduled.args),
            scheduled.time,
            stop=scheduled.stop,
            skip_reason=skip_reason,
            note=scheduled.note,
        )

    def create(
        self,
        job: Job,
        args: dict[str, str],
        time: datetime,
        *,
        stop: datetime | None = None,
        rerun_of: str | None = None,
        reason: str | None = None,
        skip_reason: str | None = None,
        note: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Run:
        """Create, bind and store a run; start its wait at once if it is due.

        A run that cannot be bound is stored in error with the reason, so the
        problem shows where operators look (SPEC §3.3: undefined names are errors).
        """
        engine = self.engine
        now = engine.clock.now()
        run = Run(
            run_id=f"r{self._number()}",
            job_id=job.job_id,
            args=args,
            state=State.scheduled,
            times={"schedule": time},
            labels=job.labels,
            rerun_of=rerun_of,
            meta={"job": {"labels": job.labels}, **(meta or {})},
        )
        if stop is not None:
            run.times["stop"] = stop
        if skip_reason is not None:
            run.state, run.times["skipped"] = State.skipped, now
            engine.insert(run, f"skipped: {skip_reason}")
            return run
        try:
            self._bind(job, run)
        except ApsisError as exc:
            run.state, run.times["error"] = State.error, now
            engine.insert(run, f"error: {exc}")
            return run
        when = "now" if time <= now else format_time(time)
        details = "".join(f"; {text}" for text in (reason, note) if text)
        engine.insert(run, f"scheduled: {when}{details}")
        if time <= now:
            engine.waiter.due(run)
        else:
            engine.add_timer(time, "due", run)
        return run

    def _needs_binding(self, job: Job) -> bool:
        cached = self._templated.get(job.job_id)
        if cached is None or cached[0] is not job:
            parts = (job.program, *job.conditions, *job.actions)
            cached = self._templated[job.job_id] = (job, any(templates(p) for p in parts))
        return cached[1]

    def _bind(self, job: Job, run: Run) -> None:
        engine = self.engine
        if not self._needs_binding(job):
            # Nothing to render; conditions may still complete themselves for the run.
            run.program = job.program
            run.conds = tuple(c.resolve(run.args, engine.params_of) for c in job.conditions)
            run.actions = job.actions
            return
        names = bind_names(
            run.args,
            job_id=job.job_id,
            run_id=run.run_id,
            get_calendar=engine.jobs.calendars.get,
        )
        # Located like a job file's errors, so the run log says which part failed.
        try:
            run.program = job.program.bind(names)
        except BindError as exc:
            raise exc.within("program") from None
        conds = []
        for i, cond in enumerate(job.conditions):
            try:
                conds.append(cond.bind(names).resolve(run.args, engine.params_of))
            except BindError as exc:
                raise exc.within("condition", i) from None
        run.conds = tuple(conds)
        bound = []
        for i, action in enumerate(job.actions):
            try:
                bound.append(action.bind(names))
            except BindError as exc:
                raise exc.within("action", i) from None
        run.actions = tuple(bound)
