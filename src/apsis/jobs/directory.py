"""A job directory → every job in it, or every error in it (SPEC §3).

Every `*.yaml` file not starting with `.` (in a directory not starting with `.`) is
one job, whose ID is its relative path without `.yaml`. The directory is valid only
as a whole: a service or a reload takes all of it or none of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..calendars import CalendarLookup
from ..errors import JobDirErrors, JobError, SpecError, SpecErrors
from ..model.job import Job
from .check import check_first_instances, check_names, check_references
from .load import Layout, load_job_file


@dataclass(frozen=True)
class JobDir:
    path: Path
    jobs: Mapping[str, Job]
    calendars: CalendarLookup

    def __len__(self) -> int:
        return len(self.jobs)


def job_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(job ID, file) for every job file under `root`, in sorted order."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".yaml") and not name.startswith("."):
                path = Path(folder) / name
                yield path.relative_to(root).with_suffix("").as_posix(), path


def _label(path: Path, cwd: Path) -> str:
    """The file as a user would type it: relative to the working directory if inside it."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def load_job_dir(root: Path, calendars: CalendarLookup | None = None) -> JobDir:
    """Load and check every job under `root`; JobDirErrors lists every problem."""
    calendars = calendars or CalendarLookup()
    if not root.is_dir():
        raise JobDirErrors([JobError(_label(root, Path.cwd()), "not a directory")])
    context: dict[str, Any] = {"calendars": calendars}
    jobs: dict[str, Job] = {}
    layouts: dict[str, Layout] = {}
    labels: dict[str, str] = {}
    errors: list[JobError] = []
    cwd = Path.cwd()
    for job_id, path in job_files(root):
        label = labels[job_id] = _label(path, cwd)
        try:
            jobs[job_id], layouts[job_id] = load_job_file(path, job_id, label, context)
        except SpecErrors as exc:
            errors.extend(e for e in exc.errors if isinstance(e, JobError))

    broken = labels.keys() - jobs.keys()
    for job_id, job in jobs.items():
        layout = layouts[job_id]
        found: list[SpecError] = [
            *check_names(job, layout),
            *check_references(job, layout, jobs, broken),
        ]
        if not found:
            found = check_first_instances(job, layout, calendars.get)
        errors.extend(JobError.from_spec(labels[job_id], e) for e in found)
    if errors:
        # Stable: each file's errors stay in the order its keys were checked.
        raise JobDirErrors(sorted(errors, key=lambda e: e.file))
    return JobDir(root, jobs, calendars)
