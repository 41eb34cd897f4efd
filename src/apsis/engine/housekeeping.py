"""The engine's housekeeping: statistics, archiving, vacuuming and retiring old runs.

`Housekeeping` is what internal programs (stats, archive, vacuum) get as their
`RunContext.services` (see program/base.py `Services`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..timespec import format_time

if TYPE_CHECKING:
    from .engine import Engine


class Housekeeping:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.started_at = engine.clock.now()
        self.stats_sources: list[Callable[[], Mapping[str, Any]]] = []
        """More sections for `stats()`, from whoever has them (the service's monitor)."""

    def stats(self) -> dict[str, Any]:
        engine = self.engine
        now = engine.clock.now()
        stats: dict[str, Any] = {
            "time": format_time(now),
            "uptime": (now - self.started_at).total_seconds(),
            "jobs": len(engine.jobs.jobs),
            "runs": {
                "in_memory": len(engine.index),
                "by_state": {s.value: n for s, n in engine.index.states.items() if n},
            },
            **engine.workload(),
            "subscribers": engine.events.subscribers,
            "writer": engine.writer.stats(),
        }
        for source in self.stats_sources:
            stats.update(source())
        return stats

    async def archive(
        self,
        *,
        age: float,
        path: str,
        count: int,
        chunk_size: int | None = None,
        chunk_sleep: float | None = None,
    ) -> dict[str, Any]:
        """Move finished runs older than `age` seconds out of the database and memory."""
        engine = self.engine
        before = engine.clock.now() - timedelta(seconds=age)
        result: dict[str, Any] = await engine.writer.read(
            engine.store.archive, before, Path(path), count, chunk_size or count
        )
        for run in [r for r in engine.index if r.finished and r.schedule_time < before]:
            engine.index.remove(run)
        return result

    async def vacuum(self) -> dict[str, Any]:
        clock = self.engine.clock
        started = clock.now()
        await self.engine.writer.read(self.engine.store.vacuum)
        return {"time": (clock.now() - started).total_seconds()}

    async def retire_loop(self, interval: float = 60.0) -> None:
        clock = self.engine.clock
        while True:
            await clock.sleep_until(clock.now() + timedelta(seconds=interval))
            self.retire()

    def retire(self) -> int:
        """Drop finished runs older than `runs.lookback` from memory (they stay stored)."""
        engine = self.engine
        lookback = engine.config.runs.lookback
        if lookback is None:
            return 0
        cutoff = engine.clock.now() - timedelta(seconds=lookback)
        old = [r for r in engine.index if r.finished and r.times[r.state.value] < cutoff]
        for run in old:
            engine.index.remove(run)
        return len(old)
