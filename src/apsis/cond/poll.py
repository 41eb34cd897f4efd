"""`poll` [beyond]: wait until a shell command succeeds (SPEC §6).

For readiness that no run reports: a file arriving, a service answering. The command
runs every `interval` until it exits 0. The default interval, 60 s, starts a run
within a minute of what it waits for while keeping a thousand waiting runs down to
about seventeen processes a second; a job that must react faster says so. This is
the only condition that polls.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..bind import Templated
from ..timespec import Duration, format_duration
from .base import Condition, conditions


@conditions.register("poll")
class Poll(Condition):
    command: Annotated[str, Templated()] = Field(min_length=1)
    interval: Duration = Field(default=60.0, gt=0)

    def __str__(self) -> str:
        return f"poll every {format_duration(self.interval)}: {self.command}"
