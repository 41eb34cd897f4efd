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
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import jinja2
import jinja2.meta
from pydantic import BaseModel

from ..bind import Templated, bind_names, is_template
from ..errors import BindError, SpecError
from ..model.job import Job
from .load import Layout, Path_

_ENV = jinja2.Environment()
HELPER_NAMES = frozenset(bind_names({}, job_id="", run_id=None, get_calendar=str)) - {
    "job_id",
    "run_id",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def templates(model: BaseModel, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """(key path, text) of every template string in a kind's templated fields."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        here = (*path, info.alias or name)
        templated = any(isinstance(m, Templated) for m in info.metadata)
        yield from _templates_in(value, here, templated)


def _templates_in(value: Any, path: Path_, templated: bool) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, BaseModel):
        yield from templates(value, path)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _templates_in(item, (*path, i), templated)
    elif templated and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _templates_in(item, (*path, key), templated)
    elif templated and isinstance(value, str) and is_template(value):
        yield path, value


def _parts(job: Job, layout: Layout) -> Iterator[tuple[Path_, BaseModel]]:
    yield ("program",), job.program
    yield from zip(layout.conditions, job.conditions)
    yield from zip(layout.actions, job.actions)


def check_names(job: Job, layout: Layout) -> list[SpecError]:
    allowed = HELPER_NAMES | set(job.params) | {"job_id", "run_id"}
    errors = []
    for prefix, part in _parts(job, layout):
        for path, text in templates(part, prefix):
            used = jinja2.meta.find_undeclared_variables(_ENV.parse(text))
            for name in sorted(used - allowed):
                params = ", ".join(job.params) or "none"
                errors.append(SpecError(f"undefined name {name!r} (params: {params})", path))
    return errors


def _first_run_args(job: Job, index: int) -> Mapping[str, str] | None:
    entry = job.schedules[index]
    now = datetime.now(UTC)
    for start in (now, _EPOCH):
        for run in itertools.islice(entry.runs(start, job.job_id), 1):
            return job.run_args(run.args, run.time)
    return None


def check_first_instances(job: Job, layout: Layout, get_calendar: Any) -> list[SpecError]:
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
                part.bind(names)  # type: ignore[attr-defined]
            except BindError as exc:
                errors.append(exc.within(*prefix))
        if errors:
            break
    return errors


def check_references(job: Job, layout: Layout, jobs: Mapping[str, Job]) -> list[SpecError]:
    errors = []
    parts = [*zip(layout.conditions, job.conditions), *zip(layout.actions, job.actions)]
    for path, part in parts:
        ref = part.referenced_job()
        if ref is None:
            continue
        target_id, args = ref
        target = jobs.get(target_id)
        if target is None:
            errors.append(SpecError(f"no job {target_id!r}", (*path, "job_id")))
            continue
        for name in args:
            if name not in target.params:
                errors.append(
                    SpecError(f"not a param of job {target_id!r}", (*path, "args", name))
                )
        missing = [p for p in target.params if p not in args and p not in job.params]
        if missing:
            names = ", ".join(map(repr, missing))
            errors.append(SpecError(f"no value for param {names} of job {target_id!r}", path))
    return errors
