"""`apsisctl sanity`: unfinished runs that have stayed too long where the engine should
have moved them on (SPEC §9.3 [beyond]).

The engine moves every run by itself: it schedules a run as it creates it, starts it
when it is due, and ends it at its timeout or stop time. A run that stays put longer
than that, plus `slack` for a busy machine, points at a fault: a stuck scheduler, a
lost process, a kill that did not take. The rules, each about runs in memory (every
unfinished run is there):

    unscheduled   `new`, past its schedule time + slack
    late          `scheduled`, past its schedule time + slack
    starting      `starting` for longer than slack
    overdue       `running` for longer than its program's timeout + its stop grace
                  period + slack, or past its stop time + grace period + slack
    stopping      `stopping` for longer than its grace period + slack
    waiting       `waiting` for longer than `max_waiting`, when one is given

Pure: runs (the API's full JSON) and the service's time in, problems out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..timespec import format_time, parse_duration, parse_time
from .user.output import duration_text

UNFINISHED = ("new", "scheduled", "waiting", "starting", "running", "stopping")
DEFAULT_SLACK = 60.0
DEFAULT_GRACE = 60.0
"""A program's stop grace period when its JSON gives none (the `stop:` default)."""


@dataclass(frozen=True)
class Problem:
    run_id: str
    kind: str
    reason: str
    job_id: str
    args: Mapping[str, str]

    def line(self) -> str:
        args = "".join(f" {name}={value}" for name, value in self.args.items())
        return f"{self.run_id}: {self.kind}: {self.reason} ({self.job_id}{args})"


def find_problems(
    runs: Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    slack: float = DEFAULT_SLACK,
    max_waiting: float | None = None,
) -> list[Problem]:
    """The problems of `runs`, in run-number order."""
    problems = []
    for run in sorted(runs, key=_number):
        for kind, reason in _check(run, now, slack, max_waiting):
            problems.append(
                Problem(run["run_id"], kind, reason, run["job_id"], dict(run.get("args") or {}))
            )
    return problems


def _check(
    run: Mapping[str, Any], now: datetime, slack: float, max_waiting: float | None
) -> Iterator[tuple[str, str]]:
    state = run["state"]
    times = {name: parse_time(text) for name, text in run["times"].items()}
    program = run.get("program") or {}
    grace = _seconds((program.get("stop") or {}).get("grace_period"))
    grace = DEFAULT_GRACE if grace is None else grace

    def since(name: str) -> float:
        return (now - times[name]).total_seconds()

    def ago(name: str) -> str:
        return f"{format_time(times[name])}, {duration_text(since(name))} ago"

    if state == "new" and since("schedule") > slack:
        yield "unscheduled", f"never scheduled; due {ago('schedule')}"
    elif state == "scheduled" and since("schedule") > slack:
        yield "late", f"not started; due {ago('schedule')}"
    elif state == "starting" and since("starting") > slack:
        yield "starting", f"starting since {ago('starting')}"
    elif state == "stopping" and "stopping" in times and since("stopping") > grace + slack:
        yield "stopping", f"stopping since {ago('stopping')}; grace period {grace:g} s"
    elif state == "waiting" and max_waiting is not None and since("waiting") > max_waiting:
        yield "waiting", f"waiting since {ago('waiting')}"
    elif state == "running" and "running" in times:
        timeout = _seconds((program.get("timeout") or {}).get("duration"))
        if timeout is not None and since("running") > timeout + grace + slack:
            yield "overdue", f"running since {ago('running')}; timeout {timeout:g} s"
        elif "stop" in times and (now - times["stop"]).total_seconds() > grace + slack:
            yield "overdue", f"still running; stop time {ago('stop')}"


def _seconds(value: Any) -> float | None:
    """A duration from a run's program JSON; None if it has none (or not one we read)."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        return None


def _number(run: Mapping[str, Any]) -> int:
    digits = str(run["run_id"]).lstrip("r")
    return int(digits) if digits.isdigit() else 0
