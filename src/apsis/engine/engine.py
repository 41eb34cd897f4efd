"""The engine: creates runs, moves them through their states, and keeps the timers.

Every change to a run goes through `transition` (DESIGN.md §1 principle 2):

1. check the move is allowed (SPEC §2);
2. change the run in memory and its indexes at once, so the next condition checked
   in the same event-loop turn sees it (no races between runs released together);
3. queue the store write (group-committed with everything else of this turn);
4. once it is durable, publish it and fire the run's actions (principle 3).

One timer loop serves every time-driven duty: schedule cursors, due scheduled runs,
stop times and waiting time-outs share one heap and one sleep.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import heapq
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import ApsisError, NoSuchJob
from ..jobs import JobDir
from ..model.job import Job
from ..model.run import Run
from ..model.state import FINISHED, State, can_transition
from ..program.base import Execution
from ..store.ops import AppendLog, SetHorizon
from ..store.store import Store
from ..store.writer import GroupWriter
from ..timespec import format_time
from .adhoc import AdhocJobs
from .catchup import plan_catchup
from .clock import Clock
from .creation import RunFactory
from .events import Events
from .housekeeping import Housekeeping
from .index import RunIndex
from .operations import Operations
from .records import from_record
from .runner import Runner
from .scheduler import Scheduler
from .waiter import Waiter
from .writes import RunWrites

if TYPE_CHECKING:
    from ..agent.pool import AgentPool

log = logging.getLogger(__name__)

_RESTORE_LOST = frozenset({State.starting, State.running, State.stopping})


@dataclass(order=True)
class _Timer:
    when: datetime
    seq: int
    kind: str = field(compare=False)
    run_id: str = field(compare=False)


class Engine:
    """Owns the runs of one service."""

    def __init__(
        self,
        config: Config,
        jobs: JobDir,
        store: Store,
        clock: Clock | None = None,
        agents: AgentPool | None = None,
    ):
        self.config = config
        self.jobs = jobs
        self.store = store
        self.clock = clock or Clock()
        self.agents = agents
        """Where processes run (the service always gives one); None: directly here, and
        they cannot outlive this process."""
        self.index = RunIndex()
        self.events = Events()
        self.writer = GroupWriter(store)
        self.writes = RunWrites(self.writer)
        self.factory = RunFactory(self)
        self.waiter = Waiter(self)
        self.runner = Runner(self)
        self.executions: dict[str, Execution] = {}
        self.horizon = self.clock.now()
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._scheduler = Scheduler({}, self.horizon)
        self.ops = Operations(self)
        self.adhoc = AdhocJobs(self)
        self.housekeeping = Housekeeping(self)
        self.observers: list[Callable[[Run, State, State], None]] = []
        """Called with (run, old state, new state) once each transition (a new run's
        first state included, from `new`) is durable: cheap synchronous bookkeeping such
        as the service's metrics. They must not raise, block, or change the run."""
        """More sections for `stats()`, from what runs beside the engine (the service's
        event-loop and process figures), so the stats program reports them too."""

    # --- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        """Load runs, restore their states, catch up on missed times, start the timers."""
        now = self.clock.now()
        lookback = self.config.runs.lookback
        since = now - timedelta(seconds=lookback) if lookback is not None else datetime.min
        for run in await self.writer.read(self.store.load_runs, since, from_record):
            self.index.add(run)
        await self.factory.reserve()
        await self.adhoc.load_for(self.index)
        for run in list(self.index):
            self._restore(run)
        stored_horizon = await self.writer.read(self.store.get_horizon)
        self.horizon = stored_horizon or now
        plan = plan_catchup(self.config.schedule, self.jobs.jobs, self.horizon, now)
        # All in this turn, so in one transaction with the new horizon: a crash now
        # leaves either none of these runs stored or all of them.
        for job, scheduled, reason in plan.skipped:
            self.factory.create_scheduled(job, scheduled, skip_reason=reason)
        for job, scheduled in plan.run:
            self.factory.create_scheduled(job, scheduled)
        self.horizon = now
        self.writer.submit(SetHorizon(now))
        self._scheduler = Scheduler(self.jobs.jobs, now)
        self._loop_task = asyncio.create_task(self._timer_loop(), name="apsis-timers")
        self.spawn(self.housekeeping.retire_loop(), "retire old runs")

    async def close(self) -> None:
        """Stop the timers and tasks and flush the store; running programs are left
        alone (their runs stay as stored, for the next start to deal with)."""
        if self._loop_task:
            self._loop_task.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(
            *self._tasks, *(t for t in [self._loop_task] if t), return_exceptions=True
        )
        await self.writer.close()

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    def _restore(self, run: Run) -> None:
        if run.state == State.scheduled:
            self.add_timer(run.times["schedule"], "due", run)
        elif run.state == State.waiting:
            self.waiter.restore(run)
        elif run.state in _RESTORE_LOST:
            self.runner.reconnect(run)

    # --- the door -------------------------------------------------------------------

    def transition(
        self,
        run: Run,
        state: State,
        reason: str | None = None,
        *,
        force: bool = False,
        message: str | None = None,
        at: datetime | None = None,
    ) -> asyncio.Future[Any]:
        """Move `run` to `state`; the future resolves once the move is durable.

        `at` is when the move happened, if earlier than now: kept between the time of
        the run's previous state and now, so that a skewed clock cannot reorder them.
        """
        old = run.state
        if not force and not can_transition(old, state):
            raise ApsisError(f"{run.run_id}: cannot go from {old} to {state}")
        now = self.clock.now()
        if at is not None:
            previous = run.times.get(old.value, at)
            now = min(max(at, previous), now)
        run.state = state
        run.times[state.value] = now
        if state in FINISHED and "running" in run.times:
            run.meta["elapsed"] = (now - run.times["running"]).total_seconds()
        self.index.moved(run, old)
        self.log_line(run, message or (f"{state.value}: {reason}" if reason else state.value))
        done = self.writes.update(run, old)
        self._when_durable(run, old, done)
        self.waiter.notify(run)
        return done

    def insert(self, run: Run, message: str) -> asyncio.Future[Any]:
        """Store a new run (in any state) with its first run-log line."""
        self.index.add(run)
        done = self.writes.insert(run)
        self.log_line(run, message)
        self._when_durable(run, State.new, done)
        self.waiter.notify(run)
        return done

    def save(self, run: Run) -> asyncio.Future[Any]:
        """Store a change of a run's metadata or run state, not its state."""
        done = self.writes.update(run, run.state)
        if self.events.subscribers:
            event = {"type": "run_meta", "run_id": run.run_id, "meta": copy.deepcopy(run.meta)}
            done.add_done_callback(lambda f: self._publish(event, f))
        return done

    def log_line(self, run: Run, message: str) -> None:
        now = self.clock.now()
        done = self.writer.submit(AppendLog(run.run_id, now, message))
        if self.events.subscribers:
            event = {"type": "run_log", "run_id": run.run_id, "time": format_time(now)}
            done.add_done_callback(lambda f: self._publish({**event, "message": message}, f))

    def _publish(self, event: dict[str, Any], done: asyncio.Future[Any]) -> None:
        """Publish `event` once what it reports is durable (DESIGN.md §1 principle 3)."""
        if not done.cancelled() and done.exception() is None:
            self.events.publish(event)

    def _when_durable(self, run: Run, old: State, done: asyncio.Future[Any]) -> None:
        """Once `run`'s move from `old` is durable, publish it and follow it up.

        The run may have moved on by the time the write commits (running and success
        often commit in one batch), so subscribers and actions get the run as it was
        at this transition: subscribers see each state once, in order, and only once
        it is stored; actions fire once for this state and see its run JSON.
        """
        state = run.state
        summary = run.summary_jso() if self.events.subscribers else None
        view = _snapshot(run) if run.actions or self.config.action else run
        done.add_done_callback(lambda f: self._committed(run, view, summary, old, state, f))

    def _committed(
        self,
        run: Run,
        view: Run,
        summary: dict[str, Any] | None,
        old: State,
        state: State,
        done: asyncio.Future[Any],
    ) -> None:
        if done.cancelled():
            return
        if done.exception() is not None:
            log.critical(
                "%s: could not store transition to %s: %s", run.run_id, state, done.exception()
            )
            return
        if done.result() is not None:
            log.warning("%s: store conflict: %s", run.run_id, done.result())
        for observe in self.observers:
            observe(run, old, state)
        if summary is not None:
            self.events.publish({"type": "run", "run": summary})
        if run.actions or self.config.action:
            self.spawn(self.runner.fire_actions(view), f"actions {run.run_id}")
        # Marking a finished run another finished state is an operator's correction,
        # not a run ending: it must not retry the run a second time.
        if state in FINISHED and old not in FINISHED:
            self.runner.finished(run)

    # --- timers -----------------------------------------------------------------------

    def add_timer(self, when: datetime, kind: str, run: Run) -> None:
        heapq.heappush(self._timers, _Timer(when, next(self._seq), kind, run.run_id))
        if self._timers[0].when == when:
            self._wake.set()

    def _next_time(self) -> datetime | None:
        times = [t.when for t in self._timers[:1]]
        if (scheduled := self._scheduler.next_time()) is not None:
            times.append(scheduled)
        return min(times, default=None)

    async def _timer_loop(self) -> None:
        while True:
            self._fire_due(self.clock.now())
            self._wake.clear()
            next_time = self._next_time()
            waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
            if next_time is not None:
                waits.append(asyncio.ensure_future(self.clock.sleep_until(next_time)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()

    def _fire_due(self, now: datetime) -> None:
        self._create_due(now)
        while self._timers and self._timers[0].when <= now:
            timer = heapq.heappop(self._timers)
            run = self.index.get(timer.run_id)
            if run is not None:
                self._fire_timer(timer.kind, run)

    def _create_due(self, now: datetime, *, move_horizon: bool = False) -> None:
        """Create the runs schedules have due by `now`; with any (or if asked), the
        horizon moves to `now`, stored in the same batch as those runs."""
        due = self._scheduler.pop_due(now)
        for item in due:
            self.factory.create_scheduled(item.job, item.run)
        if due or move_horizon:
            self.horizon = now
            self.writer.submit(SetHorizon(now))

    def _fire_timer(self, kind: str, run: Run) -> None:
        if kind == "due" and run.state == State.scheduled:
            self.waiter.due(run)
        elif kind == "stop" and run.state == State.running:
            self.spawn(self.runner.stop(run, "stop time reached"), f"stop {run.run_id}")
        elif kind == "wait-timeout" and run.state == State.waiting:
            self.waiter.time_out(run)

    # --- what others ask of the engine ------------------------------------------------

    def workload(self) -> dict[str, int]:
        """Counts of what the engine is juggling, for statistics."""
        return {
            "tasks": len(self._tasks),
            "timers": len(self._timers),
            "schedule_cursors": len(self._scheduler),
        }

    def job(self, job_id: str) -> Job:
        job = self.jobs.jobs.get(job_id) or self.adhoc.jobs.get(job_id)
        if job is None:
            raise NoSuchJob(job_id)
        return job

    def params_of(self, job_id: str) -> list[str]:
        return list(self.job(job_id).params)

    def schedule(
        self,
        job_id: str,
        args: Mapping[str, str],
        time: datetime | None = None,
        *,
        stop: datetime | None = None,
        rerun_of: str | None = None,
        reason: str | None = None,
    ) -> Run:
        """Create a run by hand (API, rerun, action); due now unless `time` is later."""
        job = self.job(job_id)
        self.factory.check_args(job, args)
        return self.factory.create(
            job, dict(args), time or self.clock.now(), stop=stop, rerun_of=rerun_of, reason=reason
        )

    # --- jobs --------------------------------------------------------------------------

    def replace_jobs(self, jobs: JobDir) -> dict[str, list[str]]:
        """Put a new, already checked job directory in force; report what changed.

        Schedules continue from now with the new definitions, so no time is created
        twice and a changed job's next runs follow its new schedule. What the old
        definitions have due by now is created first: the horizon moves only when
        something is due, and continuing from an older one would create the times a
        new or changed schedule has between it and now, which were never missed.
        """
        old, new = self.jobs.jobs, jobs.jobs
        report = diff_jobs(old, new)
        self._create_due(self.clock.now(), move_horizon=True)
        self.jobs = jobs
        self._scheduler.replace_jobs(new, self.horizon)
        self._wake.set()
        for kind, job_ids in report.items():
            for job_id in job_ids:
                self.events.publish({"type": f"job_{kind}", "job_id": job_id})
        return report


def _snapshot(run: Run) -> Run:
    """A copy of `run` as it is now, that later transitions leave alone."""
    return dataclasses.replace(
        run,
        args=dict(run.args),
        times=dict(run.times),
        meta=copy.deepcopy(run.meta),
        labels=list(run.labels),
    )


def diff_jobs(old: Mapping[str, Job], new: Mapping[str, Job]) -> dict[str, list[str]]:
    """Job IDs added, removed, and changed (by their JSON form) between two job sets."""
    return {
        "added": sorted(new.keys() - old.keys()),
        "removed": sorted(old.keys() - new.keys()),
        "changed": sorted(
            job_id
            for job_id in old.keys() & new.keys()
            if old[job_id].to_jso() != new[job_id].to_jso()
        ),
    }
