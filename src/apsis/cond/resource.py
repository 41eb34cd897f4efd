"""`resource` [beyond]: a named semaphore shared across jobs (SPEC §6).

At most `count` runs holding the resource `name` may be starting or running at once,
whatever their jobs. Every job that names the resource takes one unit; `count` is the
limit this run agrees to, so jobs that must exclude each other give the same `name`
and `count: 1` ("never run the hourly load while the daily rebuild runs"). The name
is templated so a resource can be per instance, e.g. `db-{{ region }}`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..bind import Templated
from .base import Condition, conditions


@conditions.register("resource")
class Resource(Condition):
    name: Annotated[str, Templated()] = Field(min_length=1)
    count: int = Field(default=1, ge=1)

    def __str__(self) -> str:
        return f"resource {self.name} (at most {self.count} at once)"
