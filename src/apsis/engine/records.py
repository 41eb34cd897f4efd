"""Runs to and from the records the store keeps: the API's full run JSON plus
`run_state`. The display-only `str` fields are kept (they are what the API shows for
a run read back from the store) and ignored when the kinds are parsed again."""

from __future__ import annotations

import functools
import json
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


_FAMILIES: dict[str, Family[Any]] = {f.noun: f for f in (programs, conditions, actions)}


@functools.lru_cache(maxsize=4096)
def _parse_text(noun: str, text: str) -> Any:
    return _FAMILIES[noun].parse(json.loads(text), _BOUND)


def _parse(family: Family[K], jso: dict[str, Any]) -> K:
    """The kind stored as `jso`, shared with every other run that stored the same one.

    Kinds are frozen, and the runs of one job mostly carry equal programs, conditions
    and actions: sharing them saves most of what a run loaded from the store costs in
    memory (see bench/api.py's service_rss_mib).
    """
    text = json.dumps({k: v for k, v in jso.items() if k != "str"}, sort_keys=True)
    kind: K = _parse_text(family.noun, text)
    return kind


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
