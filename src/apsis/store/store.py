"""The store: runs, run logs, outputs, ad hoc jobs and service state in one database.

`Store` is synchronous and thread-safe: each call checks a connection out of the
engine's pool for its own thread. The engine calls it from threads (see `writer.py`
for the group-committing writer thread and the reader thread), never on the event loop.
Reads see committed data only; every write is one transaction.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..model.state import FINISHED, UNFINISHED
from . import dialect
from .archive import archive_runs
from .database import create_store, open_engine
from .ops import Conflict, Op, OutputInfo
from .query import Bound, runs_query
from .schema import (
    HORIZON,
    NEXT_RUN_NUMBER,
    adhoc_jobs,
    outputs,
    parse_iso,
    run_log,
    run_number,
    runs,
    service_state,
)
from .write import apply_ops, put_state

T = TypeVar("T")


def open_store(path: Path, timeout: float = 10) -> Store:
    """Open the store file at `path`, refusing any but the current schema version.

    `timeout` is how many seconds a statement waits for another process's write lock.
    """
    return Store(open_engine(path, timeout), path)


class Store:
    """A store file opened by `open_store`; `close()` it when done."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.path = path
        self._engine = engine
        self._writer = dialect.for_writing(engine)

    # Runs

    def load_runs(self, finished_since: datetime, make: Callable[[dict[str, Any]], T]) -> list[T]:
        """Every unfinished run, and the finished runs scheduled at or after
        `finished_since`: what the engine keeps in memory (DESIGN §1, principle 5).

        Each record becomes `make(record)` as soon as it is read, so the parsed JSON of
        all of them never exists at once: that peak cost the service more memory than
        the runs themselves, and the allocator kept it after it was freed.
        """
        unfinished = runs_query(states=sorted(UNFINISHED), newest_first=False)
        recent = runs_query(states=sorted(FINISHED), since=finished_since, newest_first=False)
        with self._engine.connect() as conn:
            return [
                make(json.loads(text))
                for query in (unfinished, recent)
                for text in conn.execute(query).scalars()
            ]

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        query = sa.select(runs.c.record).where(runs.c.number == run_number(run_id))
        with self._engine.connect() as conn:
            text = conn.execute(query).scalar_one_or_none()
        return None if text is None else dict(json.loads(text))

    def query_runs(
        self,
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
    ) -> list[dict[str, Any]]:
        """Runs matching every given filter, by schedule time (see `query.py`).

        `since` is an inclusive lower bound; `before` and `after` are exclusive cursors:
        a time, or a `Cursor` at a run to page on from it without skipping runs that
        share its schedule time.
        """
        query = runs_query(
            job_id=job_id, job_prefix=job_prefix, states=states, run_ids=run_ids,
            args=args, since=since, before=before, after=after, limit=limit,
            newest_first=newest_first,
        )  # fmt: skip
        with self._engine.connect() as conn:
            texts = list(conn.execute(query).scalars())
        return [json.loads(text) for text in texts]

    def count_runs(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one())

    def allocate_run_numbers(self, count: int) -> int:
        """Reserve `count` consecutive run numbers; the first of them.

        The counter only grows and is committed before the numbers are handed out, so
        numbers reserved but unused before a crash are skipped, never reused.
        """
        if count < 1:
            raise ValueError(f"cannot allocate {count} run numbers")
        key = service_state.c.key == NEXT_RUN_NUMBER
        with self._writer.begin() as conn:
            text = conn.execute(
                sa.select(service_state.c.value).where(key).with_for_update()
            ).scalar_one_or_none()
            if text is None:
                # A file migrated up from an empty schema: start after any run there is.
                top = conn.execute(sa.select(sa.func.max(runs.c.number))).scalar_one()
                text = str((top or 0) + 1)
            first = int(text)
            put_state(conn, NEXT_RUN_NUMBER, str(first + count))
        return first

    # Run logs and outputs

    def get_run_log(self, run_id: str) -> list[tuple[datetime, str]]:
        query = (
            sa.select(run_log.c.time, run_log.c.message)
            .where(run_log.c.number == run_number(run_id))
            .order_by(run_log.c.id)
        )
        with self._engine.connect() as conn:
            return [(time, message) for time, message in conn.execute(query)]

    def get_outputs(self, run_id: str) -> list[OutputInfo]:
        columns = (outputs.c.output_id, outputs.c.name, outputs.c.content_type, outputs.c.length)
        query = (
            sa.select(*columns)
            .where(outputs.c.number == run_number(run_id))
            .order_by(outputs.c.output_id)
        )
        with self._engine.connect() as conn:
            return [OutputInfo(*row) for row in conn.execute(query)]

    def get_output(self, run_id: str, output_id: str) -> bytes | None:
        """The output's data, decompressed; None if the run has no such output."""
        query = sa.select(outputs.c.compression, outputs.c.data).where(
            outputs.c.number == run_number(run_id), outputs.c.output_id == output_id
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        compression, data = row
        if compression == "zlib":
            return zlib.decompress(data)
        if compression is not None:
            raise ValueError(f"{run_id}: output {output_id}: unknown compression {compression}")
        return bytes(data)

    # Service state and ad hoc jobs

    def get_horizon(self) -> datetime | None:
        """Up to when runs have been scheduled; None before the first scheduling."""
        query = sa.select(service_state.c.value).where(service_state.c.key == HORIZON)
        with self._engine.connect() as conn:
            text = conn.execute(query).scalar_one_or_none()
        return None if text is None else parse_iso(text)

    def get_adhoc_job(self, job_id: str) -> dict[str, Any] | None:
        query = sa.select(adhoc_jobs.c.job).where(adhoc_jobs.c.job_id == job_id)
        with self._engine.connect() as conn:
            text = conn.execute(query).scalar_one_or_none()
        return None if text is None else dict(json.loads(text))

    # Writes

    def write(self, ops: Sequence[Op]) -> list[Conflict]:
        """Apply `ops` in order in one transaction: all of them, or (on an exception)
        none. An UpdateRun whose expected state does not match is skipped and returned
        as a Conflict; the rest of the batch still applies."""
        with self._writer.begin() as conn:
            return apply_ops(conn, ops)

    # Maintenance

    def archive(self, before: datetime, path: Path, count: int, chunk_size: int) -> dict[str, int]:
        """Move at most `count` finished runs scheduled before `before`, with their log
        lines and outputs, into the store file `path` (created if missing), committing
        `chunk_size` runs at a time. Returns how many runs, log lines and outputs moved."""
        if not path.exists():
            create_store(path)
        target = open_engine(path, timeout=10)
        try:
            return archive_runs(self._writer, target, before, count, chunk_size)
        finally:
            target.dispose()

    def vacuum(self) -> None:
        dialect.vacuum(self._engine)

    def integrity_problems(self) -> list[str]:
        """What the database's own consistency check finds wrong; empty if nothing."""
        return dialect.integrity_problems(self._engine)

    def close(self) -> None:
        try:
            dialect.optimize(self._engine)
        finally:
            self._engine.dispose()
