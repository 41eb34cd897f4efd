"""Checks that need more than one file: names in templates, first instances, references.

1. Every name a template uses is a param of its job or a binding helper, so a typo is
   caught even in a branch the first run would not take.
2. Each schedule's explicit args are params; its first instance fills every param;
   binding the program, conditions and actions with those args succeeds.
3. A condition or action naming another job names one that exists, and the args it
   gives (plus the params it inherits) fill exactly that job's params.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Set
from datetime import UTC, datetime

from ..actions.base import Action
from ..bind import bind_names, template_names, templates
from ..calendars import Calendar
from ..cond.base import Condition
from ..errors import BindError, SpecError
from ..model.job import Job
from ..program.base import Program
from .load import Layout, Path_

HELPER_NAMES = frozenset(bind_names({}, job_id="", run_id=None, get_calendar=str)) - {
    "job_id",
    "run_id",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _parts(job: Job, layout: Layout) -> Iterator[tuple[Path_, Program | Condition | Action]]:
    yield ("program",), job.program
    yield from zip(layout.conditions, job.conditions, strict=True)
    yield from zip(layout.actions, job.actions, strict=True)


def check_names(job: Job, layout: Layout) -> list[SpecError]:
    allowed = HELPER_NAMES | set(job.params) | {"job_id", "run_id"}
    errors = []
    for prefix, part in _parts(job, layout):
        for path, text in templates(part):
            used = template_names(text)
            for name in sorted(used - allowed):
                params = ", ".join(job.params) or "none"
                message = f"undefined name {name!r} (params: {params})"
                errors.append(SpecError(message, (*prefix, *path)))
    return errors


def _first_run_args(job: Job, index: int) -> Mapping[str, str] | None:
    entry = job.schedules[index]
    now = datetime.now(UTC)
    for start in (now, _EPOCH):
        for run in itertools.islice(entry.runs(start, job.job_id), 1):
            return job.run_args(run.args, run.time)
    return None


def check_first_instances(
    job: Job, layout: Layout, get_calendar: Callable[[str], Calendar]
) -> list[SpecError]:
    errors: list[SpecError] = []
    for index, path in enumerate(layout.schedules):
        entry = job.schedules[index]
        for name in entry.schedule.args:
            if name not in job.params:
                params = ", ".join(job.params) or "none"
                errors.append(
                    SpecError(f"not a param of this job (params: {params})", (*path, "args", name))
                )
        try:
            args = _first_run_args(job, index)
        except (ValueError, SpecError) as exc:
            errors.append(SpecError(f"cannot compute the first run: {exc}", path))
            continue
        if args is None:
            continue
        missing = [p for p in job.params if p not in args]
        if missing:
            errors.append(SpecError(f"no value for param {', '.join(map(repr, missing))}", path))
            continue
        names = bind_names(args, job_id=job.job_id, run_id=None, get_calendar=get_calendar)
        for prefix, part in _parts(job, layout):
            try:
                part.bind(names)
            except BindError as exc:
                errors.append(exc.within(*prefix))
        if errors:
            break
    return errors


def check_references(
    job: Job, layout: Layout, jobs: Mapping[str, Job], broken: Set[str] = frozenset()
) -> list[SpecError]:
    """`broken`: IDs of jobs whose files have errors of their own, so they are not in
    `jobs`; a reference to one is reported as such, not as a missing job."""
    errors = []
    parts: list[tuple[Path_, Condition | Action]] = [
        *zip(layout.conditions, job.conditions, strict=True),
        *zip(layout.actions, job.actions, strict=True),
    ]
    for path, part in parts:
        ref = part.referenced_job()
        if ref is None:
            continue
        target_id, args = ref
        target = jobs.get(target_id)
        if target is None:
            reason = (
                f"job {target_id!r} has errors" if target_id in broken else f"no job {target_id!r}"
            )
            errors.append(SpecError(reason, (*path, "job_id")))
            continue
        for name in args:
            if name not in target.params:
                errors.append(SpecError(f"not a param of job {target_id!r}", (*path, "args", name)))
        missing = [p for p in target.params if p not in args and p not in job.params]
        if missing:
            names = ", ".join(map(repr, missing))
            errors.append(SpecError(f"no value for param {names} of job {target_id!r}", path))
    return errors
