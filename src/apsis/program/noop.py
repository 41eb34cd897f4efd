"""`no-op`: does nothing, optionally for a while, then ends as told (SPEC §4).

Used for testing and as a placeholder: `success: false` makes it fail and
`success: null` makes it end in error, so actions and dependencies can be tried out.

A stop ends the wait at once as **success** with metadata `{"stopped": true}`. Apsis
ended a stopped no-op in error ("program stopped"); but a stop is an operator's wish,
and SPEC §4 counts a process that ends from its stop signal as success, so the
stand-in for a process behaves the same. Signals are ignored.

The run state holds the start time, so after a restart `connect` waits only for what
remains of `duration`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from ..bind import Templated
from ..model.state import State
from ..timespec import format_time, parse_time
from .base import (
    Execution,
    Finished,
    Program,
    ProgramLost,
    ProgramUpdate,
    RunContext,
    Running,
    programs,
)
from .process import nonnegative_duration


@programs.register("no-op")
class NoOpProgram(Program):
    duration: Annotated[float | str | None, Templated(nonnegative_duration)] = None
    success: bool | None = True

    def to_jso(self) -> dict[str, Any]:
        # `success: null` means "end in error", so it must survive the round trip.
        return {**super().to_jso(), "success": self.success}

    def start(self, context: RunContext) -> Execution:
        return NoOpExecution(self, started=None)

    def connect(self, context: RunContext, run_state: Mapping[str, Any]) -> Execution:
        try:
            started = parse_time(run_state["start"])
        except (KeyError, ValueError) as exc:
            raise ProgramLost(f"lost at restart: no start time in the run state ({exc})") from None
        return NoOpExecution(self, started=started)

    def __str__(self) -> str:
        return "no-op"


class NoOpExecution(Execution):
    def __init__(self, program: NoOpProgram, started: datetime | None) -> None:
        self.program = program
        self.started = started
        """None when starting now; the original start time when connected."""
        self._stop = asyncio.Event()

    async def updates(self) -> AsyncIterator[ProgramUpdate]:
        now = datetime.now(UTC)
        if self.started is None:
            self.started = now
            yield Running(run_state={"start": format_time(now)})
        duration = nonnegative_duration(self.program.duration or 0)
        remaining = duration - (now - self.started).total_seconds()
        if remaining > 0:
            try:
                await asyncio.wait_for(self._stop.wait(), remaining)
            except TimeoutError:
                pass
            else:
                yield Finished(State.success, meta={"stopped": True})
                return
        if self.program.success is True:
            yield Finished(State.success)
        elif self.program.success is False:
            yield Finished(State.failure, reason="no-op failure")
        else:
            yield Finished(State.error, reason="no-op error")

    async def stop(self) -> None:
        self._stop.set()
