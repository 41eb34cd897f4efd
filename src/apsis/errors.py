"""The errors Apsis shows to users.

    ApsisError                  anything a user did wrong or must act on
    ├── SpecError               a value that is not valid where it stands (key path + reason)
    │   ├── FileError           ... inside a named file (file + key path + reason)
    │   │   ├── JobError        ... a job file
    │   │   └── ConfigError     ... the config file
    │   └── BindError           a template that cannot be rendered for a run
    ├── SpecErrors              several SpecErrors of one document, reported together
    ├── JobDirErrors            every JobError of a job directory, reported together
    └── NoSuchJob               a job ID that names no job

Each error builds its one-line message from its data, so the CLI, the API and the
service log all say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Self


class ApsisError(Exception):
    """Base of every error meant for a human, not a traceback."""


def format_location(path: Sequence[str | int]) -> str:
    """Render a key path as written in job files: `schedule[1].daytime`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


class SpecError(ApsisError):
    """A value that is not valid at `path` (a key path inside some document)."""

    def __init__(self, reason: str, path: Sequence[str | int] = ()) -> None:
        self.reason = reason
        self.path = tuple(path)
        super().__init__(self.message)

    def within(self, *prefix: str | int) -> Self:
        """The same error, located under `prefix` in an enclosing document."""
        return type(self)(self.reason, (*prefix, *self.path))

    @property
    def message(self) -> str:
        where = format_location(self.path)
        return f"{where}: {self.reason}" if where else self.reason


class FileError(SpecError):
    """A SpecError inside a named file; the message starts with the file."""

    def __init__(self, file: str, reason: str, path: Sequence[str | int] = ()) -> None:
        self.file = file
        super().__init__(reason, path)

    @classmethod
    def from_spec(cls, file: str, err: SpecError) -> Self:
        return cls(file, err.reason, err.path)

    def within(self, *prefix: str | int) -> Self:
        return type(self)(self.file, self.reason, (*prefix, *self.path))

    @property
    def message(self) -> str:
        return f"{self.file}: {super().message}"


class JobError(FileError):
    """A problem in one job file."""


class JobDirErrors(ApsisError):
    """All errors found in a job directory; a directory is valid only without any."""

    def __init__(self, errors: Iterable[JobError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.message for e in self.errors))


class ConfigError(FileError):
    """A problem in the config file (or a `--override`)."""


class BindError(SpecError):
    """A template that cannot be rendered with a run's names."""


class NoSuchJob(ApsisError):
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"no job {job_id!r}")


class SpecErrors(ApsisError):
    """Several SpecErrors found in one document, all reported at once."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.message for e in self.errors))


class StoreError(ApsisError):
    """A database that cannot be created, opened or migrated as asked; the message says
    which file and what to do (`run apsisctl migrate …`)."""
