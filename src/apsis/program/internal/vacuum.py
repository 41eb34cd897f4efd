"""`vacuum`: compact the database, returning the space archived runs left (SPEC §4)."""

from __future__ import annotations

from ..base import Program, programs


@programs.register("apsis.program.internal.vacuum.VacuumProgram", "vacuum")
class VacuumProgram(Program):
    def __str__(self) -> str:
        return "vacuum database"
