"""What a user may do to a run (SPEC §2): start, skip, stop, signal, mark, rerun.

An operation not allowed from the run's state is rejected with a message naming the
run, its state and the operation; nothing changes.
"""

from __future__ import annotations

import signal as signals
from typing import TYPE_CHECKING

from ..errors import ApsisError
from ..model.run import Run
from ..model.state import FINISHED, State
from .records import from_record

if TYPE_CHECKING:
    from .engine import Engine


class OperationError(ApsisError):
    """An operation the run's state does not allow."""


class NoSuchRun(ApsisError):
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"no run {run_id!r}")


def _require(run: Run, operation: str, allowed: frozenset[State] | set[State]) -> None:
    if run.state not in allowed:
        needs = " or ".join(sorted(s.value for s in allowed))
        raise OperationError(
            f"cannot {operation} {run.run_id}: it is {run.state.value} ({operation} needs {needs})"
        )


def parse_signal(name: str) -> signals.Signals:
    text = name.strip().upper()
    if text.isdigit():
        try:
            return signals.Signals(int(text))
        except ValueError:
            pass
    else:
        try:
            return signals.Signals[text if text.startswith("SIG") else f"SIG{text}"]
        except KeyError:
            pass
    raise ApsisError(f"{name!r} is not a signal")


class Operations:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def run(self, run_id: str) -> Run:
        """The run, from memory, or from the store for one older than the lookback."""
        run = self.engine.index.get(run_id)
        if run is not None:
            return run
        record = await self.engine.writer.read(self.engine.store.get_run, run_id)
        if record is None:
            raise NoSuchRun(run_id)
        run = self.engine.index.get(run_id) or from_record(record)
        if self.engine.index.get(run_id) is None:
            self.engine.index.add(run)
        if run.job_id not in self.engine.jobs.jobs:
            await self.engine.adhoc.load(run.job_id)
        return run

    def start(self, run: Run) -> None:
        """scheduled: stop waiting for the time (conditions still apply);
        waiting: ignore the remaining conditions and start now."""
        _require(run, "start", {State.scheduled, State.waiting})
        self.engine.log_line(run, "started by user")
        if run.state == State.scheduled:
            self.engine.waiter.due(run)
        else:
            self.engine.waiter.start_now(run)

    def skip(self, run: Run) -> None:
        _require(run, "skip", {State.scheduled, State.waiting})
        self.engine.waiter.forget(run)
        self.engine.transition(run, State.skipped, "skipped by user")

    async def stop(self, run: Run) -> None:
        _require(run, "stop", {State.running})
        await self.engine.runner.stop(run, "stopped by user")

    async def signal(self, run: Run, name: str) -> None:
        _require(run, "signal", {State.running, State.stopping})
        signum = parse_signal(name)
        execution = self.engine.executions.get(run.run_id)
        if execution is None:
            raise OperationError(f"cannot signal {run.run_id}: its program is not attached")
        await execution.signal(signum)
        self.engine.log_line(run, f"sent {signum.name} by user")

    def mark(self, run: Run, state_name: str) -> None:
        try:
            state = State(state_name)
        except ValueError:
            raise ApsisError(f"{state_name!r} is not a run state") from None
        _require(run, f"mark {state.value}", FINISHED)
        if state not in FINISHED:
            raise OperationError(f"cannot mark {run.run_id} {state.value}: not a finished state")
        if state == run.state:
            raise OperationError(f"cannot mark {run.run_id} {state.value}: it already is")
        self.engine.transition(run, state, force=True, message=f"marked as {state.value}")

    def rerun(self, run: Run) -> Run:
        """A new run of the same instance, due now, bound to the job's current definition."""
        _require(run, "rerun", FINISHED)
        new = self.engine.schedule(
            run.job_id,
            run.args,
            stop=run.times.get("stop"),
            rerun_of=run.run_id,
            reason=f"rerun of {run.run_id}",
        )
        self.engine.log_line(run, f"rerun as {new.run_id}")
        return new
