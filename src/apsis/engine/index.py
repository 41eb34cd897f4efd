"""The runs the engine holds in memory, and the indexes conditions look through.

Memory holds unfinished runs and runs finished within `runs.lookback` (DESIGN.md §1
principle 5); everything older is a database query.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence

from ..cond.resource import held_resources
from ..model.run import Run, instance_key
from ..model.state import State

_HOLDING = frozenset({State.starting, State.running})


class RunIndex:
    """Runs by ID, by instance and by job; resource holders; counts by state.

    Implements the conditions' RunView. Call `moved(run, old_state)` after every
    change of a run's state so the indexes stay true.
    """

    def __init__(self) -> None:
        self._runs: dict[str, Run] = {}
        self._by_inst: dict[object, list[Run]] = defaultdict(list)
        self._by_job: dict[str, list[Run]] = defaultdict(list)
        self._holders: Counter[str] = Counter()
        self.states: Counter[State] = Counter()

    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self._runs.values())

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def add(self, run: Run) -> None:
        self._runs[run.run_id] = run
        self._by_inst[run.inst].append(run)
        self._by_job[run.job_id].append(run)
        self.states[run.state] += 1
        if run.state in _HOLDING:
            self._holders.update(held_resources(run))

    def remove(self, run: Run) -> None:
        if self._runs.pop(run.run_id, None) is None:
            return
        self._by_inst[run.inst].remove(run)
        if not self._by_inst[run.inst]:
            del self._by_inst[run.inst]
        self._by_job[run.job_id].remove(run)
        if not self._by_job[run.job_id]:
            del self._by_job[run.job_id]
        self.states[run.state] -= 1
        if run.state in _HOLDING:
            self._holders.subtract(held_resources(run))

    def moved(self, run: Run, old: State) -> None:
        self.states[old] -= 1
        self.states[run.state] += 1
        was, now = old in _HOLDING, run.state in _HOLDING
        if was and not now:
            self._holders.subtract(held_resources(run))
        elif now and not was:
            self._holders.update(held_resources(run))

    def runs_of(self, job_id: str, args: Mapping[str, str]) -> Sequence[Run]:
        return self._by_inst.get(instance_key(job_id, dict(args)), [])

    def runs_of_job(self, job_id: str) -> Sequence[Run]:
        return self._by_job.get(job_id, [])

    def holding(self, resource: str) -> int:
        return self._holders[resource]
