"""`const`: a condition that always holds, or never does; for tests and examples (SPEC §6).

A false one keeps its run waiting until someone starts it by hand or
`waiting.max_time` errors it. Nothing can change its answer, so it wakes on nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Condition, Outcome, RunView, Verdict, conditions

if TYPE_CHECKING:
    from ..model.run import Run


@conditions.register("const")
class Const(Condition):
    value: bool = True

    def check(self, run: Run, view: RunView) -> Outcome:
        return Verdict.PASS if self.value else Verdict.WAIT

    def __str__(self) -> str:
        return f"const {str(self.value).lower()}"
