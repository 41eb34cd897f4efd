"""`archive`: move old finished runs out of the database into an archive file (SPEC §4).

Runs are moved `chunk_size` at a time with `chunk_sleep` between chunks so that a big
archive never holds the database (and so the service) for long.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

from pydantic import Field

from ...bind import Templated
from ...model.state import State
from ...timespec import Duration, format_duration
from ..base import Execution, Finished, Program, ProgramUpdate, RunContext, Services, programs
from ..process import positive_duration
from .execution import ServiceExecution


@programs.register("apsis.program.internal.archive.ArchiveProgram", "archive")
class ArchiveProgram(Program):
    """Archives at most `count` finished runs older than `age` into the SQLite file `path`."""

    age: Annotated[float | str, Templated(positive_duration)]
    path: Annotated[str, Templated()] = Field(min_length=1)
    count: int = Field(ge=1)
    chunk_size: int | None = Field(default=None, ge=1)
    chunk_sleep: Duration | None = Field(default=None, ge=0)

    def start(self, context: RunContext) -> Execution:
        return ServiceExecution(context, self._archive)

    async def _archive(self, services: Services) -> AsyncGenerator[ProgramUpdate, None]:
        meta = await services.archive(
            age=positive_duration(self.age),
            path=self.path,
            count=self.count,
            chunk_size=self.chunk_size,
            chunk_sleep=self.chunk_sleep,
        )
        yield Finished(State.success, meta)

    def __str__(self) -> str:
        age = format_duration(self.age) if isinstance(self.age, float) else self.age
        return f"archive runs older than {age} to {self.path}"
