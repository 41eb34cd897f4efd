"""Run filters, and pages of runs from the whole stored history (SPEC §9.1 [beyond]).

A page is read from the store, which holds every run there is: a run is inserted when
it is created, and the page waits for the writes submitted so far before it reads
(`writer.barrier()`), so nothing memory holds is missing from it. A run also in
memory is shown as memory has it, which may be a step ahead of its stored record, and
is checked against the filters again in that form.

Pages are in (schedule time, run number) order, newest first, and a cursor is a
position in that order: `SCHEDULE_TIME,RUN_ID`, the time as the store keeps it and the
run ID that orders the runs sharing it, so following cursors neither skips nor repeats
a run. A bare time is a position too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..engine.engine import Engine
from ..errors import ApsisError
from ..model.run import Run, run_number
from ..model.state import State, parse_state
from ..store.query import Bound, Cursor
from ..timespec import format_time, parse_time

DEFAULT_PAGE = 100
MAX_PAGE = 10_000
SCAN_CHUNK = 1000
"""Rows read per query when a filter the store cannot apply (`label`) thins them."""
MAX_SCAN = 50_000
"""Rows a label-filtered page may examine before it ends short, with a cursor to go on
from: a rare label must not turn one request into a scan of the whole history."""

_SUMMARY_KEYS = ("run_id", "job_id", "args", "state", "times", "labels")

Row = Run | dict[str, Any]
"""A run in memory, or a stored record of a run that memory does not hold."""


@dataclass(frozen=True)
class RunFilter:
    """What GET /runs filters on; every given filter must match."""

    job_id: str | None = None
    job_prefix: str | None = None
    states: frozenset[State] | None = None
    label: str | None = None
    since: datetime | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    run_ids: list[str] | None = None

    def matches(self, run: Run) -> bool:
        return (
            (self.job_id is None or run.job_id == self.job_id)
            and (not self.job_prefix or run.job_id.startswith(self.job_prefix))
            and (self.states is None or run.state in self.states)
            and (self.label is None or self.label in run.labels)
            and (self.since is None or run.schedule_time >= self.since)
            and all(run.args.get(name) == value for name, value in self.args.items())
            and (self.run_ids is None or run.run_id in self.run_ids)
        )

    def store_filters(self) -> dict[str, Any]:
        """The filters as `Store.query_runs` takes them (all but `label`)."""
        return {
            "job_id": self.job_id,
            "job_prefix": self.job_prefix or None,
            "states": None if self.states is None else sorted(s.value for s in self.states),
            "run_ids": self.run_ids,
            "args": dict(self.args) or None,
            "since": self.since,
        }


def parse_state_list(values: Collection[str] | None) -> frozenset[State] | None:
    """`state` given once or more, each a name or comma-separated names."""
    if not values:
        return None
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    try:
        return frozenset(parse_state(name) for name in names)
    except ValueError as exc:
        raise ApsisError(f"state: {exc}") from None


def parse_param_time(name: str, text: str, now: datetime) -> datetime:
    """A time given in a request (ISO 8601 or `now`); a 400 naming the parameter if not."""
    try:
        return parse_time(text, now)
    except ValueError as exc:
        raise ApsisError(f"{name}: {exc}") from None


def parse_bound(name: str, text: str | None, now: datetime) -> datetime | Cursor | None:
    """A `before`/`after` parameter: a time, or a cursor this API returned."""
    if text is None:
        return None
    time_text, comma, run_id = text.partition(",")
    time = parse_param_time(name, time_text, now)
    if not comma:
        return time
    try:
        run_number(run_id)
    except ValueError:
        raise ApsisError(f"{name}: {run_id!r} is not a run ID") from None
    return Cursor(time, run_id)


def format_cursor(position: Cursor) -> str:
    time = position.schedule_time.astimezone(UTC).isoformat(timespec="microseconds")
    return f"{time.replace('+00:00', 'Z')},{position.run_id}"


def row_jso(row: Row, summary: bool) -> dict[str, Any]:
    """The API's run JSON of a run in memory or of a stored record (which is the full
    run JSON as it was stored, with times in full precision)."""
    if isinstance(row, Run):
        return row.summary_jso() if summary else row.to_jso()
    if summary:
        jso = {key: row[key] for key in _SUMMARY_KEYS if key in row}
        if row.get("rerun_of"):
            jso["rerun_of"] = row["rerun_of"]
    else:
        jso = {key: value for key, value in row.items() if key != "run_state"}
    # Records written before runs carried labels have none (as `from_record` reads them).
    jso.setdefault("labels", [])
    jso["times"] = {name: format_time(parse_time(text)) for name, text in row["times"].items()}
    return jso


@dataclass
class Page:
    rows: list[Row]
    """Newest first."""
    next: str | None
    """`before` for the older runs; None when none are older."""
    prev: str | None
    """`after` for the newer runs; None when none are newer."""

    def jso(self, engine: Engine, summary: bool) -> dict[str, Any]:
        return {
            "when": format_time(engine.clock.now()),
            "runs": {_run_id(row): row_jso(row, summary) for row in self.rows},
            "next": self.next,
            "prev": self.prev,
        }


def _run_id(row: Row) -> str:
    return row.run_id if isinstance(row, Run) else str(row["run_id"])


async def page_runs(
    engine: Engine, where: RunFilter, *, before: Bound, after: Bound, limit: int
) -> Page:
    """Up to `limit` runs matching `where` between the cursors, newest first.

    With only `after`, the page is the `limit` runs just after it (read oldest first,
    then turned round); otherwise the `limit` runs just before `before` (or the newest).
    In the direction read, a `None` cursor means the end was reached; in the other, the
    page's edge is given whenever the page is not empty.
    """
    ascending = after is not None and before is None
    await engine.writer.barrier()
    chunk = limit + 1 if where.label is None else max(limit + 1, SCAN_CHUNK)
    rows: list[Row] = []
    # Positions come from the stored records, never from memory: the store keeps
    # times to the millisecond, and a cursor must compare as the store does.
    positions: list[Cursor] = []
    position: Cursor | None = None
    scanned, more = 0, False
    while not more:
        lower, upper = after, before
        if position is not None and ascending:
            lower = position
        elif position is not None:
            upper = position
        records = await engine.writer.read(
            engine.store.query_runs, **where.store_filters(), before=upper, after=lower,
            limit=chunk, newest_first=not ascending,
        )  # fmt: skip
        for record in records:
            if len(rows) == limit:
                more = True
                break
            position = Cursor.of(record)
            scanned += 1
            run = engine.index.get(record["run_id"])
            if run is not None:
                if not where.matches(run):
                    continue
                rows.append(run)
            elif where.label is None or where.label in record.get("labels", []):
                rows.append(record)
            else:
                continue
            positions.append(position)
        if len(records) < chunk:
            break
        more = more or scanned >= MAX_SCAN
    onward = format_cursor(position) if more and position is not None else None
    if ascending:
        rows.reverse()
        oldest = format_cursor(positions[0]) if positions else None
        return Page(rows, next=oldest, prev=onward)
    newest = format_cursor(positions[0]) if positions else None
    return Page(rows, next=onward, prev=newest)
