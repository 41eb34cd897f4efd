"""`schedule`: start a run of another job now, when this run changes state (SPEC §7).

`args` are templated with the triggering run's args; params of the other job that
`args` leaves out are copied from the triggering run. The `successors:` shorthand of
SPEC §3.1 expands to these actions, firing on success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from ..bind import Templated
from ..cond.base import format_instance
from ..errors import SpecError, SpecErrors
from ..kinds import Args, validate
from ..model.state import State
from .base import Action, ActionContext, ActionFilter, actions

if TYPE_CHECKING:
    from ..model.run import Run


@actions.register("schedule")
class ScheduleAction(Action):
    job_id: str = Field(min_length=1)
    args: Annotated[Args, Templated()] = Field(default_factory=dict)

    def referenced_job(self) -> tuple[str, Mapping[str, str]]:
        return self.job_id, self.args

    async def perform(self, run: Run, context: ActionContext) -> str:
        # The new run's log names this run; this run's log names the new one.
        run_id = await context.schedule_run(
            self.job_id, self.args, inherit_from=run, reason=f"scheduled by action of {run.run_id}"
        )
        return f"action: scheduled {format_instance(self.job_id, self.args)} as {run_id}"

    def __str__(self) -> str:
        return f"schedule {format_instance(self.job_id, self.args)}"


_ON_SUCCESS = ActionFilter(states=(State.success,))


def successor_actions(data: Any) -> list[Action]:
    """The schedule actions a job file's `successors:` stands for.

    `data` is a job ID, `{job_id, args}`, or a list of those. Errors are located
    relative to `successors:` (`[1].job_id`), for the loader to prefix.
    """
    items = data if isinstance(data, list) else [data]
    result: list[Action] = []
    errors: list[SpecError] = []
    for i, item in enumerate(items):
        where: tuple[int, ...] = (i,) if isinstance(data, list) else ()
        fields = {"job_id": item} if isinstance(item, str) else item
        if not isinstance(fields, Mapping):
            kind = "null" if item is None else type(item).__name__
            errors.append(SpecError(f"expected a job ID or {{job_id, args}}, got {kind}", where))
            continue
        # Only the two keys the shorthand documents; `if` and `type` are fixed by it.
        unknown = [key for key in fields if key not in ("job_id", "args")]
        errors.extend(SpecError("unknown key", (*where, str(key))) for key in unknown)
        if unknown:
            continue
        try:
            result.append(validate(ScheduleAction, {**fields, "if": _ON_SUCCESS}))
        except SpecErrors as exc:
            errors.extend(e.within(*where) for e in exc.errors)
    if errors:
        raise SpecErrors(errors)
    return result
