"""`vacuum`: compact the database, returning the space archived runs left (SPEC §4)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from ...model.state import State
from ..base import Execution, Finished, Program, ProgramUpdate, RunContext, Services, programs
from .execution import ServiceExecution


@programs.register("apsis.program.internal.vacuum.VacuumProgram", "vacuum")
class VacuumProgram(Program):
    def start(self, context: RunContext) -> Execution:
        return ServiceExecution(context, self._vacuum)

    async def _vacuum(self, services: Services) -> AsyncGenerator[ProgramUpdate, None]:
        yield Finished(State.success, await services.vacuum())

    def __str__(self) -> str:
        return "vacuum database"
