"""Time as the engine reads it: the real clock, or a fake one tests move by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime


class Clock:
    """The wall clock, in aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        await asyncio.sleep(max(delay, 0))


class FakeClock(Clock):
    """A clock that stands still until `advance` moves it; sleepers wake as it passes.

    Lets a test run a day of schedules against real SQLite and real processes in
    seconds: the engine's timers all go through `sleep_until`.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        while self._now < when:
            self._moved.clear()
            await self._moved.wait()

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError("a fake clock never goes back")
        self._now = when
        self._moved.set()
