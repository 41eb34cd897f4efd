"""What the service measures about itself (SPEC §13): event-loop lag, process figures,
transitions by state, and start lag per job.

Everything here is bookkeeping on the event loop, O(1) per transition, and reaches the
engine through two small hooks: `Engine.observers` (told of each durable transition)
and `Housekeeping.stats_sources` (sections added to its `stats()`, so the stats program
reports the same figures as `/api/v1/stats`).
"""

from __future__ import annotations

import asyncio
import bisect
import os
import resource
import sys
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..model.state import State

if TYPE_CHECKING:
    from ..engine.engine import Engine
    from ..model.run import Run

START_LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
"""Upper bounds (seconds) of the start-lag histogram: from a scheduler keeping up
(tens of milliseconds) to runs held for an hour by their conditions."""

ADHOC_LABEL = "(ad hoc)"
"""The one `job_id` label under which runs of jobs outside the job directory are
counted: every ad hoc run has a job ID of its own, which would make the label set
grow without bound."""


class LoopMonitor:
    """How late the event loop wakes a sleeper: a loop held up by a slow callback or a
    blocking call shows here before it shows as late runs.

    `run()` samples every `interval` seconds; `last` is the latest lag, `max` the
    largest since the service started.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.last = 0.0
        self.max = 0.0
        self.samples = 0

    async def run(self) -> None:
        while True:
            await self.run_once()

    async def run_once(self) -> float:
        """Sleep one interval and record how much longer than that it took."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.sleep(self.interval)
        lag = max(0.0, loop.time() - started - self.interval)
        self.last, self.max = lag, max(self.max, lag)
        self.samples += 1
        return lag

    def stats(self) -> dict[str, Any]:
        return {
            "lag": round(self.last, 6),
            "max_lag": round(self.max, 6),
            "samples": self.samples,
            "tasks": len(asyncio.all_tasks()),
        }


def process_stats() -> dict[str, Any]:
    """Memory and CPU time of this process; `rss_bytes` is None where /proc is not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    max_rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return {
        "rss_bytes": _resident_bytes(),
        "max_rss_bytes": max_rss,
        "user_seconds": round(usage.ru_utime, 3),
        "system_seconds": round(usage.ru_stime, 3),
        "threads": threading.active_count(),
    }


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as file:
            resident = int(file.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident * os.sysconf("SC_PAGE_SIZE")


class Histogram:
    """Counts of observations per bucket of `bounds` (the last bucket is +Inf)."""

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """(le, count of observations ≤ le) per bucket, as Prometheus writes them."""
        total, rows = 0, []
        for bound, count in zip((*self.bounds, None), self.counts, strict=True):
            total += count
            rows.append(("+Inf" if bound is None else f"{bound:g}", total))
        return rows


class TransitionMetrics:
    """Transitions by the state they reach, and start lag per job, since the service
    started. `observe` is an engine observer: call `attach` to register it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.transitions: Counter[str] = Counter()
        self.start_lag: dict[str, Histogram] = {}

    def attach(self) -> None:
        self.engine.observers.append(self.observe)

    def observe(self, run: Run, old: State, state: State) -> None:
        self.transitions[state.value] += 1
        if state != State.running or "running" not in run.times:
            return
        lag = (run.times["running"] - run.schedule_time).total_seconds()
        if lag < 0:
            return  # started early by hand: says nothing about the scheduler
        label = run.job_id if run.job_id in self.engine.jobs.jobs else ADHOC_LABEL
        histogram = self.start_lag.get(label)
        if histogram is None:
            histogram = self.start_lag[label] = Histogram(START_LAG_BUCKETS)
        histogram.observe(lag)

    def start_lags(self) -> dict[str, Histogram]:
        """The histograms of the jobs in force (and ad hoc runs); those of jobs removed
        from the job directory are forgotten, so the label set tracks the jobs."""
        jobs = self.engine.jobs.jobs
        for label in [k for k in self.start_lag if k not in jobs and k != ADHOC_LABEL]:
            del self.start_lag[label]
        return dict(sorted(self.start_lag.items()))
