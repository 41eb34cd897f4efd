"""Applying a batch of ops inside the caller's transaction.

A batch is an event-loop turn of transitions: for each run a log line and an insert or
an update, interleaved. Executing them one statement each would spend most of the time
in per-statement overhead, so `_Batch` collects run inserts, run updates and log lines
and sends each kind as one `executemany`. That reorders only ops that commute:

- a log line touches only the run log, which only a DeleteRun also touches;
- inserts collected before updates are flushed before them (an update may need a run
  inserted earlier in the batch), and an insert after updates flushes those first;
- outputs, the horizon and ad hoc jobs touch tables no other op does.

So the outcome is that of applying the ops one by one, in order.

A run often changes state several times in one turn (scheduled → starting → running
for a run due now). When an update expects exactly the state the run's pending insert
or update leaves it in, it replaces that record: an insert then takes the last record,
and a chain of updates becomes one update guarded by the first one's expected state.
Such a chain succeeds or fails as a whole, as it would op by op; the JSON is encoded
and written once. An update that expects anything else flushes first and is checked
on its own.

Updates are compare-and-set. An `executemany` reports the total of rows it changed; if
that is one per update, none conflicted. Otherwise the updates are rolled back to a
savepoint and replayed one by one to find the conflicts, which are rare.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .dialect import compact_json
from .ops import (
    AppendLog,
    Conflict,
    DeleteRun,
    InsertRun,
    Op,
    PutAdhocJob,
    PutOutput,
    SetHorizon,
    UpdateRun,
)
from .schema import (
    HORIZON,
    adhoc_jobs,
    outputs,
    parse_iso,
    run_log,
    run_number,
    runs,
    utc_iso,
)
from .schema import service_state as state

log = logging.getLogger(__name__)

COMPRESS_AT = 16 * 1024
"""Outputs this long or longer are stored zlib-compressed (if that makes them smaller)."""

_RUN_COLUMNS = ("job_id", "state", "schedule_time", "args", "rerun_of", "record")
_UPDATE_RUN = (
    runs.update()
    .where(runs.c.number == sa.bindparam("_number"), runs.c.state == sa.bindparam("_expected"))
    .values({name: sa.bindparam(name) for name in _RUN_COLUMNS})
)


def run_row(record: dict[str, Any]) -> dict[str, Any]:
    """The column values of a run record."""
    rerun_of = record.get("rerun_of")
    return {
        "number": run_number(record["run_id"]),
        "job_id": record["job_id"],
        "state": record["state"],
        "schedule_time": parse_iso(record["times"]["schedule"]),
        "args": record["args"],
        "rerun_of": None if rerun_of is None else run_number(rerun_of),
        "record": compact_json(record),
    }


def _update_row(record: dict[str, Any]) -> dict[str, Any]:
    row = run_row(record)
    row["_number"] = row.pop("number")
    return row


def apply_ops(conn: Connection, ops: Sequence[Op]) -> list[Conflict]:
    """Apply `ops` as if in order; a failed compare-and-set is reported, not raised."""
    batch = _Batch(conn)
    for index, op in enumerate(ops):
        batch.add(index, op)
    batch.flush_runs()
    batch.flush_log()
    return batch.conflicts


class _Batch:
    """The ops of one batch not yet executed, and the conflicts found so far."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.conflicts: list[Conflict] = []
        self._inserts: dict[int, dict[str, Any]] = {}
        self._updates: dict[int, tuple[int, UpdateRun, dict[str, Any]]] = {}
        self._log: list[dict[str, Any]] = []

    def add(self, index: int, op: Op) -> None:
        match op:
            case InsertRun(record):
                if self._updates:
                    self.flush_runs()
                self._inserts[run_number(record["run_id"])] = record
            case UpdateRun(record, expected):
                number = run_number(record["run_id"])
                if self._pending_state(number) not in (None, expected):
                    self.flush_runs()  # not a chain: keep this update's own check
                if number in self._inserts:
                    self._inserts[number] = record
                elif number in self._updates:
                    first_index, first_op, _ = self._updates[number]
                    self._updates[number] = (first_index, first_op, record)
                else:
                    self._updates[number] = (index, op, record)
            case AppendLog(run_id, time, message):
                self._log.append({"number": run_number(run_id), "time": time, "message": message})
            case DeleteRun(run_id):
                self.flush_runs()
                self.flush_log()
                number = run_number(run_id)
                for table in (run_log, outputs, runs):
                    self.conn.execute(table.delete().where(table.c.number == number))
            case PutOutput(run_id, output_id, name, content_type, data):
                self._put_output(run_number(run_id), output_id, name, content_type, data)
            case SetHorizon(time):
                put_state(self.conn, HORIZON, utc_iso(time))
            case PutAdhocJob(job_id, jso):
                self.conn.execute(adhoc_jobs.delete().where(adhoc_jobs.c.job_id == job_id))
                self.conn.execute(adhoc_jobs.insert().values(job_id=job_id, job=compact_json(jso)))
            case _:
                assert_never(op)

    def _pending_state(self, number: int) -> str | None:
        if number in self._inserts:
            return str(self._inserts[number]["state"])
        if number in self._updates:
            return str(self._updates[number][2]["state"])
        return None

    def flush_runs(self) -> None:
        if self._inserts:
            self.conn.execute(runs.insert(), [run_row(r) for r in self._inserts.values()])
            self._inserts = {}
        updates = [
            (index, op, {**_update_row(record), "_expected": op.expected_state})
            for index, op, record in self._updates.values()
        ]
        self._updates = {}
        if len(updates) > 1 and self.conn.dialect.supports_sane_multi_rowcount:
            savepoint = self.conn.begin_nested()
            result = self.conn.execute(_UPDATE_RUN, [row for _, _, row in updates])
            if result.rowcount == len(updates):
                savepoint.commit()
                return
            savepoint.rollback()
        for index, op, row in updates:
            if self.conn.execute(_UPDATE_RUN, row).rowcount == 0:
                self.conflicts.append(self._conflict(index, op, row["_number"]))

    def flush_log(self) -> None:
        if self._log:
            self.conn.execute(run_log.insert(), self._log)
            self._log = []

    def _conflict(self, index: int, op: UpdateRun, number: int) -> Conflict:
        query = sa.select(runs.c.state).where(runs.c.number == number)
        actual = self.conn.execute(query).scalar_one_or_none()
        run_id = op.record["run_id"]
        log.warning(
            "%s: not updated: expected state %s, found %s",
            run_id, op.expected_state, actual or "no run",
        )  # fmt: skip
        return Conflict(run_id, op.expected_state, actual, index)

    def _put_output(
        self, number: int, output_id: str, name: str, content_type: str, data: bytes
    ) -> None:
        packed, compression = _compress(data)
        key = (outputs.c.number == number) & (outputs.c.output_id == output_id)
        self.conn.execute(outputs.delete().where(key))
        self.conn.execute(
            outputs.insert().values(
                number=number, output_id=output_id, name=name, content_type=content_type,
                length=len(data), compression=compression, data=packed,
            )
        )  # fmt: skip


def put_state(conn: Connection, key: str, value: str) -> None:
    """Set a service state value (an update, or an insert the first time)."""
    result = conn.execute(state.update().where(state.c.key == key).values(value=value))
    if result.rowcount == 0:
        conn.execute(state.insert().values(key=key, value=value))


def _compress(data: bytes) -> tuple[bytes, str | None]:
    if len(data) >= COMPRESS_AT:
        packed = zlib.compress(data)
        if len(packed) < len(data):
            return packed, "zlib"
    return data, None
