"""`shell`: a command line run by `/bin/bash -c` (SPEC §4)."""

from __future__ import annotations

from pydantic import field_validator

from .base import programs
from .process import ProcessProgram, Text


# Apsis's local `ShellCommandProgram` ran the same command without the agent; naming it
# here lets old job files keep working; they now run like any other process.
@programs.register("shell", "apsis.program.process.ShellCommandProgram")
class ShellProgram(ProcessProgram):
    command: Text

    @field_validator("command")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    def exec_argv(self) -> list[str]:
        return ["/bin/bash", "-c", self.command]

    def __str__(self) -> str:
        return self.command
