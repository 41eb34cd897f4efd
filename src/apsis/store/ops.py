"""The writes a store accepts, and what reads and writes give back.

Each op is an immutable value, so a batch can be built on the event loop and applied
by the writer thread without either side seeing the other change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class InsertRun:
    """A new run. `record` is the engine's JSON-able run: run_id, job_id, args, state,
    times (with `schedule`), and anything else the store keeps without looking."""

    record: dict[str, Any]


@dataclass(frozen=True)
class UpdateRun:
    """Replace a run's record, but only if its stored state is still `expected_state`.

    The compare-and-set is what makes two writers racing on one run (an operator's
    `skip` and the scheduler's start) visible as a Conflict instead of a lost update.
    """

    record: dict[str, Any]
    expected_state: str


@dataclass(frozen=True)
class DeleteRun:
    """Remove a run with its log lines and outputs."""

    run_id: str


@dataclass(frozen=True)
class AppendLog:
    run_id: str
    time: datetime
    message: str


@dataclass(frozen=True)
class PutOutput:
    """Store (or replace) one output of a run; large data is compressed on the way in."""

    run_id: str
    output_id: str
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class SetHorizon:
    """How far ahead runs have been scheduled; scheduling resumes from here on restart."""

    time: datetime


@dataclass(frozen=True)
class PutAdhocJob:
    job_id: str
    jso: dict[str, Any]


Op = InsertRun | UpdateRun | DeleteRun | AppendLog | PutOutput | SetHorizon | PutAdhocJob


@dataclass(frozen=True)
class Conflict:
    """An UpdateRun that found the run in another state (None: the run is gone).

    `index` is the op's position in its batch, so a caller that submitted several
    updates of one run can tell which of them lost.
    """

    run_id: str
    expected_state: str
    actual_state: str | None
    index: int


@dataclass(frozen=True)
class OutputInfo:
    output_id: str
    name: str
    content_type: str
    length: int
