"""One job file → one validated Job (SPEC §3, §3.1).

Every section is parsed even after an earlier one fails, so a file's errors are all
reported in one pass, each located by key path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from ..actions import actions, successor_actions
from ..cond import conditions
from ..errors import JobError, SpecError, SpecErrors
from ..kinds import Family, K, spec_errors
from ..model.job import CATCHUP_POLICIES, Job
from ..model.retry import Retry
from ..program import parse_program
from ..schedule import ScheduleEntry, parse_schedule
from ..yamlfile import read_yaml

TOP_LEVEL_KEYS = frozenset(
    {
        "params",
        "program",
        "schedule",
        "condition",
        "conditions",
        "action",
        "actions",
        "successors",
        "metadata",
        "retry",
        "job_id",
        "ad_hoc",
        "catchup",
    }
)

T = TypeVar("T")
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Layout:
    """Where each schedule, condition and action of a Job was written in its file."""

    schedules: tuple[Path_, ...] = ()
    conditions: tuple[Path_, ...] = ()
    actions: tuple[Path_, ...] = ()


class _Errors:
    """Collects located errors while a job is parsed section by section."""

    def __init__(self) -> None:
        self.items: list[SpecError] = []

    def attempt(self, prefix: Path_, parse: Callable[..., T], *args: Any) -> T | None:
        """`parse(*args)`, or None with its errors recorded under `prefix`."""
        try:
            return parse(*args)
        except SpecError as exc:
            self.items.append(exc.within(*prefix))
        except SpecErrors as exc:
            self.items.extend(e.within(*prefix) for e in exc.errors)
        except ValidationError as exc:
            self.items.extend(spec_errors(exc, prefix))
        return None


def _one_or_many(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _indexed(key: str, value: Any) -> list[tuple[tuple[str | int, ...], Any]]:
    """(key path, item) pairs: `schedule[1]` for lists, `schedule` for a single item."""
    if isinstance(value, list):
        return [((key, i), item) for i, item in enumerate(value)]
    return [((key,), value)]


def _parse_params(value: Any) -> tuple[str, ...]:
    names = _one_or_many(value)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise SpecError(f"param name must be a non-empty string, got {name!r}", (i,))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"duplicate params: {', '.join(duplicates)}")
    return tuple(names)


def _parse_metadata(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecError(f"expected a mapping, got {type(value).__name__}")
    metadata = dict(value)
    labels = metadata.get("labels", [])
    labels = [labels] if isinstance(labels, str) else labels
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise SpecError("expected a label or a list of labels", ("labels",))
    description = metadata.get("description")
    if description is not None and not isinstance(description, str):
        raise SpecError("expected Markdown text", ("description",))
    metadata["labels"] = labels
    return metadata


def _section(data: Mapping[str, Any], singular: str, plural: str) -> tuple[str, Any] | None:
    if singular in data and plural in data:
        raise SpecError(f"give either {singular} or {plural}, not both", (plural,))
    for key in (singular, plural):
        if key in data and data[key] is not None:
            return key, data[key]
    return None


def _parse_section(
    errors: _Errors,
    data: Mapping[str, Any],
    spellings: tuple[str, str],
    family: Family[K],
    context: Mapping[str, Any],
) -> list[tuple[Path_, K]]:
    """The kinds under `condition`/`conditions` (or `action`/`actions`), with their paths."""
    found = errors.attempt((), _section, data, *spellings)
    if not found:
        return []
    key, value = found
    parsed = []
    for path, item in _indexed(key, value):
        kind = errors.attempt(path, family.parse, item, context)
        if kind is not None:
            parsed.append((path, kind))
    return parsed


def parse_job(data: Any, job_id: str, context: Mapping[str, Any]) -> Job:
    """A Job from the mapping a job file holds; SpecErrors listing every problem."""
    return parse_job_layout(data, job_id, context)[0]


def parse_job_layout(data: Any, job_id: str, context: Mapping[str, Any]) -> tuple[Job, Layout]:
    """As `parse_job`, also saying where each part was written, for later checks."""
    if data is None:
        raise SpecErrors([SpecError("empty job file; a job needs at least a program")])
    if not isinstance(data, Mapping):
        raise SpecErrors([SpecError(f"expected a mapping of job keys, got {type(data).__name__}")])
    errors = _Errors()
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            errors.items.append(SpecError("unknown key", (str(key),)))
    if "job_id" in data and data["job_id"] != job_id:
        errors.items.append(
            SpecError(
                f"{data['job_id']!r} does not match the file's job ID {job_id!r}", ("job_id",)
            )
        )

    params = errors.attempt(("params",), _parse_params, data.get("params", [])) or ()
    program = None
    if "program" not in data:
        errors.items.append(SpecError("missing required key", ("program",)))
    else:
        program = errors.attempt(("program",), parse_program, data["program"], context)

    schedules: list[tuple[Path_, ScheduleEntry]] = []
    for path, item in _indexed("schedule", data.get("schedule") or []):
        entry = errors.attempt(path, parse_schedule, item, context)
        if entry is not None:
            schedules.append((path, entry))
    conds = _parse_section(errors, data, ("condition", "conditions"), conditions, context)
    acts = _parse_section(errors, data, ("action", "actions"), actions, context)
    if data.get("successors") is not None:
        successors = errors.attempt(("successors",), successor_actions, data["successors"])
        paths = [path for path, _ in _indexed("successors", data["successors"])]
        acts.extend(zip(paths, successors or [], strict=False))

    metadata = errors.attempt(("metadata",), _parse_metadata, data.get("metadata") or {})
    retry = None
    if data.get("retry") is not None:
        retry = errors.attempt(("retry",), Retry.model_validate, data["retry"])
    catchup = data.get("catchup", "all")
    if catchup not in CATCHUP_POLICIES:
        choices = ", ".join(CATCHUP_POLICIES)
        errors.items.append(SpecError(f"{catchup!r} is not one of {choices}", ("catchup",)))
    ad_hoc = data.get("ad_hoc", False)
    if not isinstance(ad_hoc, bool):
        errors.items.append(SpecError(f"expected true or false, got {ad_hoc!r}", ("ad_hoc",)))

    if errors.items or program is None:
        raise SpecErrors(errors.items)
    job = Job(
        job_id=job_id,
        params=params,
        program=program,
        schedules=tuple(entry for _, entry in schedules),
        conditions=tuple(cond for _, cond in conds),
        actions=tuple(act for _, act in acts),
        metadata=metadata or {"labels": []},
        retry=retry,
        catchup=catchup,
        ad_hoc=bool(ad_hoc),
    )
    layout = Layout(
        schedules=tuple(path for path, _ in schedules),
        conditions=tuple(path for path, _ in conds),
        actions=tuple(path for path, _ in acts),
    )
    return job, layout


def load_job_file(
    path: Path, job_id: str, label: str, context: Mapping[str, Any]
) -> tuple[Job, Layout]:
    """Read and parse one job file; JobError(s) name `label` as the file."""
    try:
        return parse_job_layout(read_yaml(path), job_id, context)
    except SpecError as exc:
        raise SpecErrors([JobError.from_spec(label, exc)]) from None
    except SpecErrors as exc:
        raise SpecErrors([JobError.from_spec(label, e) for e in exc.errors]) from None
