"""`max_running`: wait while too many runs of an instance are starting or running (SPEC §6).

`count` is templated (Apsis's default is the string "1"), so one job file can give
each instance its own limit; it must bind to a positive integer. The runs counted are
those of `job_id` (default: this run's own job) with this run's args.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from ..bind import Templated
from .base import Condition, conditions


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

    def __str__(self) -> str:
        of = "" if self.job_id is None else f" of {self.job_id}"
        return f"at most {self.count} running{of}"
