"""Moving old finished runs, with their log lines and outputs, into an archive file.

Each chunk is one write transaction on the live database, held while the chunk is
copied and committed to the archive and then deleted here. Holding the write lock means
nothing can change a run between its copy and its deletion; the chunk size bounds how
long other writers wait.

A crash after the archive commits but before the live database does leaves the chunk
in both files; the next archive copies it again, replacing the archive's rows, so a
run is never lost and never doubled in the archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..model.state import FINISHED
from .schema import outputs, run_log, runs

_TABLES = (runs, run_log, outputs)


def archive_runs(
    source: Engine, target: Engine, before: datetime, count: int, chunk_size: int
) -> dict[str, int]:
    """Move at most `count` finished runs scheduled before `before`; the counts moved."""
    totals = {"runs": 0, "log_lines": 0, "outputs": 0}
    while totals["runs"] < count:
        with source.begin() as conn:
            numbers = _next_chunk(conn, before, min(chunk_size, count - totals["runs"]))
            if not numbers:
                break
            rows = {table.name: _rows(conn, table, numbers) for table in _TABLES}
            with target.begin() as archive:
                for table in _TABLES:
                    archive.execute(table.delete().where(table.c.number.in_(numbers)))
                    if rows[table.name]:
                        archive.execute(table.insert(), rows[table.name])
            for table in _TABLES:
                conn.execute(table.delete().where(table.c.number.in_(numbers)))
        totals["runs"] += len(rows["runs"])
        totals["log_lines"] += len(rows["run_log"])
        totals["outputs"] += len(rows["outputs"])
    return totals


def _next_chunk(conn: Connection, before: datetime, size: int) -> list[int]:
    query = (
        sa.select(runs.c.number)
        .where(runs.c.schedule_time < before, runs.c.state.in_(sorted(FINISHED)))
        .order_by(runs.c.schedule_time, runs.c.number)
        .limit(size)
    )
    return list(conn.execute(query).scalars())


def _rows(conn: Connection, table: sa.Table, numbers: Sequence[int]) -> list[dict[str, Any]]:
    # Log line IDs are not copied: the archive numbers its lines itself, and inserting
    # them in ID order keeps each run's lines in order there.
    columns = [column for column in table.c if column.name != "id"]
    order = table.c.id if table is run_log else table.c.number
    query = sa.select(*columns).where(table.c.number.in_(numbers)).order_by(order)
    return [dict(row._mapping) for row in conn.execute(query)]
