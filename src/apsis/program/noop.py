"""`no-op`: does nothing, optionally for a while, then ends as told (SPEC §4).

Used for testing and as a placeholder: `success: false` makes it fail and
`success: null` makes it end in error, so actions and dependencies can be tried out.
"""

from __future__ import annotations

from typing import Annotated, Any

from ..bind import Templated
from .base import Program, programs
from .process import nonnegative_duration


@programs.register("no-op")
class NoOpProgram(Program):
    duration: Annotated[float | str | None, Templated(nonnegative_duration)] = None
    success: bool | None = True

    def to_jso(self) -> dict[str, Any]:
        # `success: null` means "end in error", so it must survive the round trip.
        return {**super().to_jso(), "success": self.success}

    def __str__(self) -> str:
        return "no-op"
