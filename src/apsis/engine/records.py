"""Runs to and from the records the store keeps: the API's full run JSON plus
`run_state`. The display-only `str` fields are kept (they are what the API shows for
a run read back from the store) and ignored when the kinds are parsed again."""

from __future__ import annotations

from typing import Any

from ..actions import actions
from ..cond import conditions
from ..kinds import Family, K
from ..model.run import Run
from ..model.state import State
from ..program import programs
from ..timespec import parse_time

# Stored kinds are bound already: text that looks like a template is just text.
_BOUND = {"bound": True}


def to_record(run: Run) -> dict[str, Any]:
    record = run.to_jso()
    record["run_state"] = run.run_state
    return record


def _parse(family: Family[K], jso: dict[str, Any]) -> K:
    return family.parse({k: v for k, v in jso.items() if k != "str"}, _BOUND)


def from_record(record: dict[str, Any]) -> Run:
    program = record.get("program")
    return Run(
        run_id=record["run_id"],
        job_id=record["job_id"],
        args=dict(record["args"]),
        state=State(record["state"]),
        times={name: parse_time(value) for name, value in record["times"].items()},
        program=_parse(programs, program) if program else None,
        conds=tuple(_parse(conditions, c) for c in record.get("conds", [])),
        actions=tuple(_parse(actions, a) for a in record.get("actions", [])),
        meta=dict(record.get("meta") or {}),
        labels=list(record.get("labels") or []),
        run_state=record.get("run_state"),
        rerun_of=record.get("rerun_of"),
    )
