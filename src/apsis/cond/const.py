"""`const`: a condition that always holds, or never does; for tests and examples (SPEC §6).

A false one keeps its run waiting until someone starts it by hand or
`waiting.max_time` errors it.
"""

from __future__ import annotations

from .base import Condition, conditions


@conditions.register("const")
class Const(Condition):
    value: bool = True

    def __str__(self) -> str:
        return f"const {str(self.value).lower()}"
