"""The program contract: what a run executes.

A program kind is a frozen model of its keys as the job file writes them, with
templated fields (SPEC §3.3). `bind(names)` renders them for one run and returns the
same kind with every value final; the engine runs only bound programs. Running
(`run`, `connect` after a restart) is added by the engine issue; this module defines
the definition side that job loading validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from ..bind import bind_model
from ..kinds import Family, Kind


class Program(Kind):
    def bind(self, names: Mapping[str, Any]) -> Self:
        """This program with its templates rendered for one run."""
        return bind_model(self, names)

    def __str__(self) -> str:
        return self.type_name


programs: Family[Program] = Family("program", Program)
