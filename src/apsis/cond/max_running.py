"""`max_running`: wait while too many runs of an instance are starting or running (SPEC §6).

`count` is templated (Apsis's default is the string "1"), so one job file can give
each instance its own limit; it must bind to a positive integer. The runs counted are
those of `job_id` (default: this run's own job) with this run's args. Stopping runs
are not counted, as in Apsis: they are on their way out. The run being checked is
never counted, so a run the engine is about to start is not its own obstacle.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from ..bind import Templated
from ..model.state import State
from .base import Condition, Outcome, RunView, Verdict, conditions, inst_key

if TYPE_CHECKING:
    from ..model.run import Run

_COUNTED = frozenset({State.starting, State.running})


def parse_count(value: Any) -> int:
    """A positive integer from `3` or `"3"`."""
    text = (
        str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    )
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{value!r} is not a positive integer")
    return int(text)


@conditions.register("max_running")
class MaxRunning(Condition):
    count: Annotated[int | str, Templated(parse_count)] = 1
    job_id: str | None = Field(default=None, min_length=1)

    def referenced_job(self) -> tuple[str, Mapping[str, str]] | None:
        return None if self.job_id is None else (self.job_id, {})

    def check(self, run: Run, view: RunView) -> Outcome:
        job_id = self.job_id or run.job_id
        active = sum(
            1
            for other in view.runs_of(job_id, run.args)
            if other.state in _COUNTED and other.run_id != run.run_id
        )
        # Bound, `count` is an int; parsing again also covers a model built by hand.
        return Verdict.PASS if active < parse_count(self.count) else Verdict.WAIT

    def wake_keys(self, run: Run) -> Iterable[Hashable]:
        return (inst_key(self.job_id or run.job_id, run.args),)

    def __str__(self) -> str:
        of = "" if self.job_id is None else f" of {self.job_id}"
        return f"at most {self.count} running{of}"
