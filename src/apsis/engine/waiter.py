"""Waiting runs and their conditions, woken by the transitions they watch (SPEC §6).

Conditions are checked in order; a passed condition stays passed. A run waiting on a
condition is filed under the condition's wake keys; a transition of any run with one
of those keys re-checks the runs filed there, oldest schedule time first, one after
another, each seeing what the previous one changed. That is what keeps
`max_running` and `skip_duplicate` exact when one event releases many runs.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Hashable
from datetime import timedelta
from typing import TYPE_CHECKING

from ..cond.base import Transition, Verdict, inst_key, resource_key
from ..cond.resource import held_resources
from ..model.run import Run
from ..model.state import State

if TYPE_CHECKING:
    from .engine import Engine


class Waiter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._progress: dict[str, int] = {}
        self._logged: dict[str, int] = {}
        self._filed: dict[Hashable, set[str]] = defaultdict(set)
        self._keys: dict[str, list[Hashable]] = {}
        self._polls: dict[str, asyncio.Task[None]] = {}
        self._pending: set[Hashable] = set()
        self._flushing = False

    def due(self, run: Run) -> None:
        """A scheduled run's time has come (or a user said start)."""
        if not run.conds:
            self.engine.runner.start(run)
            return
        self.engine.transition(run, State.waiting)
        self.restore(run)

    def restore(self, run: Run) -> None:
        """Wait for a waiting run: one just due, or one found waiting at start-up,
        whose `waiting.max_time` still counts from when it began to wait."""
        max_time = self.engine.config.waiting.max_time
        if max_time:
            deadline = run.times["waiting"] + timedelta(seconds=max_time)
            self.engine.add_timer(deadline, "wait-timeout", run)
        self.add(run)

    def add(self, run: Run) -> None:
        """Check a waiting run's conditions from where it left off."""
        self._progress.setdefault(run.run_id, 0)
        self._evaluate(run)

    def start_now(self, run: Run) -> None:
        """Ignore the remaining conditions (the `start` operation on a waiting run)."""
        self.forget(run)
        self.engine.runner.start(run)

    def time_out(self, run: Run) -> None:
        self.forget(run)
        max_time = self.engine.config.waiting.max_time
        self.engine.transition(run, State.error, f"waiting: timeout after {max_time:g} s")

    def forget(self, run: Run) -> None:
        self._unfile(run.run_id)
        self._progress.pop(run.run_id, None)
        self._logged.pop(run.run_id, None)
        poll = self._polls.pop(run.run_id, None)
        if poll is not None and poll is not asyncio.current_task():
            poll.cancel()

    def notify(self, run: Run) -> None:
        """`run` changed state: re-check, soon, the runs waiting on what it touches."""
        if not self._filed:
            return  # nobody waits on any run
        self._pending.add(inst_key(run.job_id, run.args))
        self._pending.update(resource_key(name) for name in held_resources(run))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        try:
            while self._pending:
                key = self._pending.pop()
                runs = [self.engine.index.get(run_id) for run_id in self._filed.get(key, ())]
                waiting = [r for r in runs if r is not None and r.state == State.waiting]
                for run in sorted(waiting, key=lambda r: (r.schedule_time, r.number)):
                    if run.state == State.waiting and run.run_id in self._progress:
                        self._evaluate(run)
        finally:
            self._flushing = False

    def _file(self, run: Run, keys: list[Hashable]) -> None:
        self._keys[run.run_id] = keys
        for key in keys:
            self._filed[key].add(run.run_id)

    def _unfile(self, run_id: str) -> None:
        for key in self._keys.pop(run_id, ()):
            filed = self._filed.get(key)
            if filed is not None:
                filed.discard(run_id)
                if not filed:
                    del self._filed[key]

    def _evaluate(self, run: Run) -> None:
        self._unfile(run.run_id)
        index = self._progress[run.run_id]
        while index < len(run.conds):
            cond = run.conds[index]
            if cond.poll_interval():
                if run.run_id not in self._polls:
                    self._log_waiting(run, index)
                    self._polls[run.run_id] = self.engine.spawn(
                        self._poll(run, index), f"poll {run.run_id}"
                    )
                return
            outcome = cond.check(run, self.engine.index)
            if outcome is Verdict.PASS:
                index += 1
                self._progress[run.run_id] = index
                continue
            if isinstance(outcome, Transition):
                self.forget(run)
                self.engine.transition(run, outcome.state, outcome.reason)
                return
            self._log_waiting(run, index)
            self._file(run, list(cond.wake_keys(run)))
            return
        self.forget(run)
        self.engine.runner.start(run)

    def _log_waiting(self, run: Run, index: int) -> None:
        if self._logged.get(run.run_id, -1) < index:
            self._logged[run.run_id] = index
            self.engine.log_line(run, f"waiting until: {run.conds[index]}")

    async def _poll(self, run: Run, index: int) -> None:
        cond = run.conds[index]
        interval = cond.poll_interval() or 1.0
        while run.state == State.waiting:
            outcome = await cond.poll(run)
            if run.state != State.waiting:
                return
            if outcome is Verdict.PASS:
                self._polls.pop(run.run_id, None)
                self._progress[run.run_id] = index + 1
                self._evaluate(run)
                return
            if isinstance(outcome, Transition):
                self.forget(run)
                self.engine.transition(run, outcome.state, outcome.reason)
                return
            clock = self.engine.clock
            await clock.sleep_until(clock.now() + timedelta(seconds=interval))
