"""`stats`: the service's statistics as the run's output (SPEC §4, §13)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Annotated

from ...bind import Templated
from ...model.state import State
from ..base import (
    Execution,
    Finished,
    Output,
    Program,
    ProgramUpdate,
    RunContext,
    Services,
    programs,
)
from .execution import ServiceExecution


@programs.register("apsis.program.internal.stats.StatsProgram", "stats")
class StatsProgram(Program):
    """Emits the statistics as JSON; with `path`, also appends them as one line there."""

    path: Annotated[str | None, Templated()] = None

    def start(self, context: RunContext) -> Execution:
        return ServiceExecution(context, self._emit)

    async def _emit(self, services: Services) -> AsyncGenerator[ProgramUpdate, None]:
        line = json.dumps(services.stats()) + "\n"
        yield Output(line.encode())
        if self.path is not None:
            # A file on a slow disk must not hold the event loop.
            await asyncio.to_thread(_append, self.path, line)
        yield Finished(State.success)

    def __str__(self) -> str:
        return "stats" if self.path is None else f"stats >> {self.path}"


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as file:
        file.write(line)
