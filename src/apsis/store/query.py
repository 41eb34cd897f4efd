"""Selecting pages of runs by job, state, args and schedule time.

Every filter is a WHERE clause over indexed columns, and every page is ordered by
(schedule_time, number), so a page costs an index range scan of about `limit` rows:

- no job filter: `runs_schedule`, walked from the cursor;
- `job_id` or `job_prefix`: `runs_job`; a prefix is the byte range [prefix, successor),
  so it too is an index range (JOB_ID compares byte-wise on every database);
- `states` alone: `runs_state`.

Arg filters are applied by the database with its JSON functions (`json_extract` on
SQLite, `->>` on PostgreSQL, both from `JSON` indexing in SQLAlchemy), on the rows the
index range yields; they narrow a page without an index of their own, which is fast
when combined with a job (a job has few runs per arg value) and a linear scan of the
time range otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .schema import parse_iso, run_number, runs


@dataclass(frozen=True)
class Cursor:
    """A position between runs in (schedule time, run number) order.

    To get the next page, pass the last run of this one: `Cursor.of(page[-1])`.
    """

    schedule_time: datetime
    run_id: str

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Cursor:
        return cls(parse_iso(record["times"]["schedule"]), record["run_id"])


Bound = datetime | Cursor | None


def runs_query(
    *,
    job_id: str | None = None,
    job_prefix: str | None = None,
    states: Collection[str] | None = None,
    run_ids: Collection[str] | None = None,
    args: Mapping[str, str] | None = None,
    since: datetime | None = None,
    before: Bound = None,
    after: Bound = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> sa.Select[str]:
    """A SELECT of the `record` column of the runs that match every given filter."""
    where: list[sa.ColumnElement[bool]] = []
    if job_id is not None:
        where.append(runs.c.job_id == job_id)
    if job_prefix:
        where.append(runs.c.job_id >= job_prefix)
        where.append(runs.c.job_id < _successor(job_prefix))
    if states is not None:
        where.append(runs.c.state.in_(list(states)))
    if run_ids is not None:
        where.append(runs.c.number.in_([run_number(run_id) for run_id in run_ids]))
    for name, value in (args or {}).items():
        where.append(runs.c.args[name].as_string() == value)
    if since is not None:
        where.append(runs.c.schedule_time >= since)
    if before is not None:
        where.append(_position(before) < _bound(before))
    if after is not None:
        where.append(_position(after) > _bound(after))
    order = (runs.c.schedule_time, runs.c.number)
    query = (
        sa.select(runs.c.record)
        .where(*where)
        .order_by(*(column.desc() if newest_first else column for column in order))
    )
    return query if limit is None else query.limit(limit)


def _position(bound: datetime | Cursor) -> sa.ColumnElement[Any]:
    if isinstance(bound, Cursor):
        return sa.tuple_(runs.c.schedule_time, runs.c.number)
    return runs.c.schedule_time


def _bound(bound: datetime | Cursor) -> Any:
    if isinstance(bound, Cursor):
        return sa.tuple_(
            sa.literal(bound.schedule_time, runs.c.schedule_time.type),
            sa.literal(run_number(bound.run_id), runs.c.number.type),
        )
    return bound


def _successor(prefix: str) -> str:
    """The least string greater than every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
