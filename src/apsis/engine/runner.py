"""Starting programs, following their updates, and what follows a finished run:
actions, retries, and stopping at a stop time (SPEC §2, §4, §7, §3.1 `retry`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from ..actions.base import Action, should_fire
from ..bind import bind_names
from ..config import SmtpConfig
from ..errors import ApsisError
from ..model.run import Run
from ..model.state import FINISHED, State
from ..program.base import (
    Execution,
    Finished,
    Meta,
    Output,
    ProgramLost,
    RunContext,
    Running,
)
from ..store.ops import PutOutput

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)

OUTPUT_ID = "output"


class Runner:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.outputs: dict[str, bytearray] = {}
        """Output of runs in progress, until it is stored with their final state."""
        self._ended: dict[str, Execution] = {}
        """Executions that have finished, until their run's final state is stored."""

    @property
    def smtp(self) -> SmtpConfig:
        return self.engine.config.smtp

    def _context(self, run: Run) -> RunContext:
        return RunContext(
            run.run_id,
            run.job_id,
            run.schedule_time,
            services=self.engine.housekeeping,
            agents=self.engine.agents,
            start_key=_start_key(run),
        )

    def start(self, run: Run) -> None:
        """scheduled/waiting → starting; the program starts once that is durable."""
        durable = self.engine.transition(run, State.starting)
        self.engine.spawn(self._follow(run, durable, None), f"run {run.run_id}")

    def reconnect(self, run: Run) -> None:
        """Pick up a run found starting, running or stopping at start-up.

        A stopping run's agent carries on with the stop by itself; it is asked again in
        case the last service stopped before its request got there."""
        if run.state == State.starting:
            self._start_again(run)
            return
        try:
            assert run.program is not None
            execution = run.program.connect(self._context(run), run.run_state or {})
        except ProgramLost as exc:
            self.engine.transition(run, State.error, str(exc))
            return
        self.engine.log_line(run, "reconnected after restart")
        if run.state == State.running and "stop" in run.times:
            # The stop timer was the last engine's; a stop time that passed while
            # nobody watched stops the run at once.
            self.engine.add_timer(run.times["stop"], "stop", run)
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        self.engine.spawn(self._follow(run, done, execution), f"run {run.run_id}")
        if run.state == State.stopping:
            self.engine.spawn(execution.stop(), f"stop {run.run_id}")

    async def _follow(
        self, run: Run, durable: asyncio.Future[Any], execution: Execution | None
    ) -> None:
        await durable
        if execution is None:
            assert run.program is not None
            execution = self._begin(run, run.program.start)
            if execution is None:
                return
        self.engine.executions[run.run_id] = execution
        output = self.outputs.setdefault(run.run_id, bytearray())
        try:
            async for update in execution.updates():
                if isinstance(update, Finished):
                    self._ended[run.run_id] = execution
                self._apply(run, update, output)
                if isinstance(update, Finished):
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s: program failed", run.run_id)
            if run.state not in FINISHED:
                self._ended[run.run_id] = execution
                self._finish(run, Finished(State.error, reason=f"program failed: {exc}"), output)
        finally:
            self.engine.executions.pop(run.run_id, None)

    def _begin(self, run: Run, start: Callable[[RunContext], Execution | None]) -> Execution | None:
        """The execution `start` makes for `run`; None once the run has ended in error
        because it could not (None from `start`: it cannot tell whether it started)."""
        try:
            execution = start(self._context(run))
        except Exception as exc:
            self.engine.transition(run, State.error, f"cannot start: {exc}")
            return None
        if execution is None:
            self.engine.transition(run, State.error, "lost at restart: it may have started")
        return execution

    def _start_again(self, run: Run) -> None:
        """A run found starting: start it if its program can tell whether it started."""
        assert run.program is not None
        execution = self._begin(run, run.program.start_again)
        if execution is None:
            return
        self.engine.log_line(run, "starting again after restart (it starts once)")
        stored: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        stored.set_result(None)
        self.engine.spawn(self._follow(run, stored, execution), f"run {run.run_id}")

    def _apply(self, run: Run, update: Any, output: bytearray) -> None:
        if isinstance(update, Running):
            run.run_state = dict(update.run_state)
            run.meta["program"] = dict(update.meta)
            if run.state == State.starting:
                self.engine.transition(run, State.running, at=update.since)
                if "stop" in run.times:
                    self.engine.add_timer(run.times["stop"], "stop", run)
        elif isinstance(update, Output):
            offset = len(output)
            output.extend(update.data)
            self.engine.events.publish(
                {
                    "type": "output",
                    "run_id": run.run_id,
                    "offset": offset,
                    "length": len(update.data),
                }
            )
        elif isinstance(update, Meta):
            run.meta.setdefault("program", {}).update(update.meta)
            self.engine.save(run)
        elif isinstance(update, Finished):
            self._finish(run, update, output)

    def _finish(self, run: Run, update: Finished, output: bytearray) -> None:
        run.meta.setdefault("program", {}).update(update.meta)
        if output:
            data = bytes(output)
            self.engine.writer.submit(
                PutOutput(run.run_id, OUTPUT_ID, "output", "application/octet-stream", data)
            )
        state = update.state
        if run.state == State.starting and state != State.error:
            # A program that finished before saying it was running still ran.
            self.engine.transition(run, State.running)
        self.engine.transition(run, state, update.reason)

    def finished(self, run: Run) -> None:
        """After a finished state is durable: release the program, drop live output,
        retry if the job says so."""
        execution = self._ended.pop(run.run_id, None)
        if execution is not None:
            execution.release()
        self.outputs.pop(run.run_id, None)
        job = self.engine.jobs.jobs.get(run.job_id)
        retry = job.retry if job else None
        if retry is None or run.state not in retry.on:
            return
        attempt = int(run.meta.get("retry", {}).get("attempt", 0)) + 1
        if attempt > retry.count:
            return
        delay = retry.delay_before(attempt)
        when = self.engine.clock.now() + timedelta(seconds=delay)
        try:
            self.engine.factory.create(
                job,  # type: ignore[arg-type]
                dict(run.args),
                when,
                stop=run.times.get("stop"),
                rerun_of=run.run_id,
                reason=f"retry {attempt} of {retry.count} after {run.run_id} ({run.state})",
                meta={"retry": {"attempt": attempt, "of": retry.count}},
            )
        except ApsisError as exc:
            self.engine.log_line(run, f"retry not possible: {exc}")

    async def stop(self, run: Run, reason: str) -> None:
        """running → stopping, then ask the program to stop in its orderly way."""
        self.engine.transition(run, State.stopping, reason)
        execution = self.engine.executions.get(run.run_id)
        if execution is not None:
            await execution.stop()

    # --- actions (this class is the actions' ActionContext) ----------------------------

    async def fire_actions(self, run: Run) -> None:
        """Fire the actions of `run`'s latest transition: `run` is a snapshot taken then."""
        own = len(run.actions)
        actions: list[Action] = [*run.actions, *self.engine.config.action]
        for i, action in enumerate(actions):
            try:
                if i >= own:
                    # The config's actions are bound for each run as its own are (SPEC
                    # §3.3), once one fires: a template that does not fit this run is an
                    # action failure only where the action would have fired.
                    if not action.fires_on(run.state):
                        continue
                    action = action.bind(self._names(run))
                if not await should_fire(action, run, self):
                    continue
                message = await action.perform(run, self)
            except Exception as exc:
                self.engine.log_line(run, f"action {action} failed: {exc}")
            else:
                if message:
                    self.engine.log_line(run, message)

    def _names(self, run: Run) -> dict[str, Any]:
        return bind_names(
            run.args,
            job_id=run.job_id,
            run_id=run.run_id,
            get_calendar=self.engine.jobs.calendars.get,
        )

    async def schedule_run(
        self, job_id: str, args: Mapping[str, str], *, inherit_from: Run, reason: str
    ) -> str:
        params = self.engine.params_of(job_id)
        full = {p: args.get(p, inherit_from.args.get(p)) for p in params}
        missing = [p for p, value in full.items() if value is None]
        if missing:
            raise ApsisError(f"no value for param {', '.join(missing)} of job {job_id!r}")
        run = self.engine.schedule(
            job_id, {k: v for k, v in full.items() if v is not None}, reason=reason
        )
        return run.run_id

    def consecutive(self, run: Run, states: frozenset[State]) -> int:
        finished = [r for r in self.engine.index.runs_of_job(run.job_id) if r.state in FINISHED]
        finished.sort(key=lambda r: (r.times[r.state.value], r.number))
        count = 0
        for other in reversed(finished):
            if other.state not in states:
                break
            count += 1
        return count

    async def output_tail(self, run: Run, size: int) -> bytes:
        live = self.outputs.get(run.run_id)
        if live is not None:
            return bytes(live[-size:])
        data = await self.engine.writer.read(self.engine.store.get_output, run.run_id, OUTPUT_ID)
        return (data or b"")[-size:]


def _start_key(run: Run) -> str | None:
    """The run and when it went starting, to the millisecond as its times are stored:
    the same key for this start before and after a restart, another for any other."""
    starting = run.times.get("starting")
    if starting is None:
        return None
    return f"{run.run_id} {starting.astimezone(UTC).isoformat(timespec='milliseconds')}"
