"""Programs: what a run executes (SPEC §4). Importing this package registers every kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import SpecError
from ..kinds import validate
from .argv import ArgvProgram
from .base import Program, programs
from .internal import ArchiveProgram, StatsProgram, VacuumProgram
from .noop import NoOpProgram
from .process import ProcessProgram, Stop, Timeout, parse_signal
from .shell import ShellProgram

__all__ = [
    "ArchiveProgram",
    "ArgvProgram",
    "NoOpProgram",
    "ProcessProgram",
    "Program",
    "ShellProgram",
    "StatsProgram",
    "Stop",
    "Timeout",
    "VacuumProgram",
    "parse_program",
    "parse_signal",
    "programs",
]


def parse_program(data: Any, context: Mapping[str, Any] | None = None) -> Program:
    """A program as a job file's `program:` may write it.

    A string is a shell command and a list an argv (Apsis's shorthands); a mapping
    names its `type`. A shorthand's errors are located at the key it stands for
    (`command`, `argv[2]`), which says what the shorthand was taken to mean.
    """
    if isinstance(data, Mapping):
        return programs.parse(data, context)
    if isinstance(data, str):
        return validate(ShellProgram, {"command": data}, context)
    if isinstance(data, list):
        return validate(ArgvProgram, {"argv": data}, context)
    kind = "null" if data is None else type(data).__name__
    raise SpecError(
        f"expected a mapping with a 'type' key, a shell command or an argv list, got {kind}"
    )
