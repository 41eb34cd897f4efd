"""The program contract: what a run executes (SPEC §4, §12).

A program kind is a frozen model of its keys as the job file writes them, with
templated fields (SPEC §3.3). `bind(names)` renders them for one run and returns the
same kind with every value final; the engine runs only bound programs.

Running a bound program: `start(context)` returns an `Execution` at once (it must not
block); its `updates()` stream then says what happens, in this order:

1. exactly one `Running` once the program has started (with the state needed to
   reconnect to it later, and metadata such as host and pid), or a `Finished` in
   state error if it could not start (no such executable, bad user, …);
2. any number of `Output` chunks (stdout and stderr together, in order) and `Meta`
   updates;
3. exactly one `Finished`: success, failure or error, with final metadata and, for
   anything but success, a reason for the run log ("exit code 1", "timeout after 30 s").

`stop()` asks for an orderly stop (stop signal, grace period, SIGKILL) and returns
once it has been asked; the stream then finishes as usual. An exit caused by the stop
signal while stopping counts as success. `signal(signum)` delivers a signal.
`connect(context, run_state)` resumes watching a program started before a restart;
its stream starts at step 2 (the run is already running, so there is no `Running`).
A kind that cannot do that raises `ProgramLost` with the reason.

`release()` is called once the run's final state is stored: a program held elsewhere (a
process in an agent) may then be forgotten there.

`updates()` never raises for anything the program does: a failure to start, a lost
process or a broken internal duty all end the stream with a `Finished` in error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from ..bind import bind_model
from ..kinds import Family, Kind
from ..model.state import State

if TYPE_CHECKING:
    from ..agent.pool import AgentPool


class Services(Protocol):
    """What the internal programs (stats, archive, vacuum) ask of the service.

    The engine implements it and passes itself as `RunContext.services`. Every result
    is a JSON-able dict: stats become the run's output, the others its metadata.
    """

    def stats(self) -> dict[str, Any]:
        """The service's statistics now (SPEC §13); cheap, so not async."""

    async def archive(
        self,
        *,
        age: float,
        path: str,
        count: int,
        chunk_size: int | None,
        chunk_sleep: float | None,
    ) -> dict[str, Any]:
        """Move at most `count` runs finished more than `age` seconds ago into the SQLite
        file `path`, `chunk_size` at a time (None: the service's choice), sleeping
        `chunk_sleep` seconds between chunks; say what was moved."""

    async def vacuum(self) -> dict[str, Any]:
        """Compact the database without blocking the event loop; say what it took."""


@dataclass(frozen=True)
class RunContext:
    """What a program knows of the run it executes for."""

    run_id: str
    job_id: str
    schedule_time: datetime
    services: Services | None = None
    """The engine, for internal programs; None in plain tests and tools."""
    agents: AgentPool | None = None
    """The agents that run processes (SPEC §10); None: processes run directly in this
    process and cannot outlive it (the engine's tests and tools)."""
    start_key: str | None = None
    """Names this start of the run, the same when it is asked for again after a restart
    of the service: an agent starts one process per key."""


@dataclass(frozen=True)
class Running:
    run_state: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    since: datetime | None = None
    """When the program began, where it runs, if that is known and may be earlier than
    this update: the run's running time (an agent answers starts in batches)."""


@dataclass(frozen=True)
class Output:
    data: bytes


@dataclass(frozen=True)
class Meta:
    meta: dict[str, Any]


@dataclass(frozen=True)
class Finished:
    state: State
    meta: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None


ProgramUpdate = Running | Output | Meta | Finished


class ProgramLost(Exception):
    """A program that was running before a restart cannot be found again."""


class Execution(ABC):
    """One started program."""

    @abstractmethod
    def updates(self) -> AsyncIterator[ProgramUpdate]:
        """The stream described in the module docstring; call once."""

    # Doing nothing is the right default for stop and signal, not a missing override.
    async def stop(self) -> None:  # noqa: B027
        """Ask for an orderly stop; the default has nothing to stop."""

    async def signal(self, signum: int) -> None:  # noqa: B027
        """Deliver a signal; the default ignores it."""

    def release(self) -> None:  # noqa: B027
        """Called once the run's final state is stored; the agent may then forget the
        process (before that, a crash would leave the run to be followed again). The
        default has nothing to forget."""


class Refused(Execution):
    """A program that cannot start here: its stream is one `Finished` in error."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def updates(self) -> AsyncIterator[ProgramUpdate]:
        yield Finished(State.error, reason=self.reason)


class Program(Kind):
    def bind(self, names: Mapping[str, Any]) -> Self:
        """This program with its templates rendered for one run."""
        return bind_model(self, names)

    @abstractmethod
    def start(self, context: RunContext) -> Execution:
        """Start this bound program for one run."""

    def connect(self, context: RunContext, run_state: Mapping[str, Any]) -> Execution:
        """Resume watching a program started before a restart."""
        raise ProgramLost("lost at restart: this program cannot be reconnected")

    def start_again(self, context: RunContext) -> Execution | None:
        """After a restart, for a run found starting: an execution that starts the
        program unless the last service did so already, and then follows it. None if
        that cannot be told, and the program may have started."""
        return None

    def __str__(self) -> str:
        return self.type_name


programs: Family[Program] = Family("program", Program)  # type: ignore[type-abstract]
