"""`resource` [beyond]: a named semaphore shared across jobs (SPEC §6).

At most `count` runs holding the resource `name` may be starting or running at once,
whatever their jobs. Every job that names the resource takes one unit; `count` is the
limit this run agrees to, so jobs that must exclude each other give the same `name`
and `count: 1` ("never run the hourly load while the daily rebuild runs"). The name
is templated so a resource can be per instance, e.g. `db-{{ region }}`.

The engine keeps the count (`RunView.holding`) from `held_resources` of its starting
and running runs, and wakes waiters on `resource_key(name)` whenever a holder enters
or leaves those states.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..bind import Templated
from .base import Condition, Outcome, RunView, Verdict, conditions, resource_key

if TYPE_CHECKING:
    from ..model.run import Run


@conditions.register("resource")
class Resource(Condition):
    name: Annotated[str, Templated()] = Field(min_length=1)
    count: int = Field(default=1, ge=1)

    def check(self, run: Run, view: RunView) -> Outcome:
        return Verdict.PASS if view.holding(self.name) < self.count else Verdict.WAIT

    def wake_keys(self, run: Run) -> Iterable[Hashable]:
        return (resource_key(self.name),)

    def __str__(self) -> str:
        return f"resource {self.name} (at most {self.count} at once)"


def held_resources(run: Run) -> list[str]:
    """The resource names `run` holds while starting or running, each once.

    Read from its bound conditions, so a run started by hand past its conditions
    still counts against the limits it names.
    """
    if not run.conds:
        return []
    return list(dict.fromkeys(c.name for c in run.conds if isinstance(c, Resource)))
