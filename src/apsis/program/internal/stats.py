"""`stats`: the service's statistics as the run's output (SPEC §4, §13)."""

from __future__ import annotations

from typing import Annotated

from ...bind import Templated
from ..base import Program, programs


@programs.register("apsis.program.internal.stats.StatsProgram", "stats")
class StatsProgram(Program):
    """Emits the statistics as JSON; with `path`, also appends them as one line there."""

    path: Annotated[str | None, Templated()] = None

    def __str__(self) -> str:
        return "stats" if self.path is None else f"stats >> {self.path}"
