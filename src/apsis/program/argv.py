"""`program`: an executable and its arguments, run directly without a shell (SPEC §4)."""

from __future__ import annotations

import shlex

from pydantic import field_validator

from .base import programs
from .process import ArgvText, ProcessProgram


# Apsis's local `ProcessProgram` took the same argv without the agent; naming it here
# lets old job files keep working; they now run like any other process.
@programs.register("program", "apsis.program.process.ProcessProgram")
class ArgvProgram(ProcessProgram):
    argv: ArgvText

    @field_validator("argv")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least the executable")
        if not value[0]:
            raise ValueError("the executable must not be an empty string")
        return value

    def exec_argv(self) -> list[str]:
        return list(self.argv)

    def __str__(self) -> str:
        return shlex.join(self.argv)
