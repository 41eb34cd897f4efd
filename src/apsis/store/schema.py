"""The tables, and how run IDs and times become column values.

A run is stored whole as JSON text (`record`, opaque to the store) beside the few
columns that queries filter and sort on. Pages of runs are ordered by (schedule_time,
number): many runs share a schedule time (every job due at 09:00), so the run number
breaks ties and makes a cursor that neither skips nor repeats runs. The indexes:

    runs_schedule  (schedule_time, number)         newest page; a page a month back
    runs_job       (job_id, schedule_time, number) one job's (or a job prefix's) runs
    runs_state     (state, schedule_time, number)  unfinished runs at startup; "failures"
    runs_rerun_of  (rerun_of)                      the reruns of a run

The schema version is Alembic's revision in `alembic_version` ("0001" is version 1): a
second copy elsewhere would be one more thing a migration could leave out of step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .dialect import ID, JOB_ID

SCHEMA_VERSION = 1
"""The newest schema this code knows: the last revision in `migrations/versions`."""

NEXT_RUN_NUMBER = "next_run_number"
HORIZON = "horizon"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class UTCTime(sa.TypeDecorator[datetime]):
    """An aware datetime stored as integer microseconds since the UNIX epoch.

    Integers sort, compare and index the same way on every database, carry no time zone
    to get wrong, and are exact (a float of seconds is not).
    """

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: int | None, dialect: Any) -> datetime | None:
        return None if value is None else _EPOCH + value * _MICROSECOND


def to_micros(time: datetime) -> int:
    if time.tzinfo is None:
        raise ValueError(f"naive datetime {time.isoformat()}: times must be aware")
    return (time - _EPOCH) // _MICROSECOND


def utc_iso(time: datetime) -> str:
    """An aware time as ISO 8601 in UTC, the form the store keeps in text columns."""
    if time.tzinfo is None:
        raise ValueError(f"naive datetime {time.isoformat()}: times must be aware")
    return time.astimezone(UTC).isoformat()


def run_number(run_id: str) -> int:
    """`r123` → 123, the primary key."""
    if not run_id.startswith("r") or not run_id[1:].isdigit():
        raise ValueError(f"{run_id!r} is not a run ID")
    return int(run_id[1:])


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time from a record, as aware UTC."""
    time = datetime.fromisoformat(text)
    if time.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return time.astimezone(UTC)


metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("number", ID, primary_key=True, autoincrement=False),
    sa.Column("job_id", JOB_ID, nullable=False),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("schedule_time", UTCTime, nullable=False),
    sa.Column("args", sa.JSON, nullable=False),
    sa.Column("rerun_of", sa.BigInteger, nullable=True),
    sa.Column("record", sa.Text, nullable=False),
    sa.Index("runs_schedule", "schedule_time", "number"),
    sa.Index("runs_job", "job_id", "schedule_time", "number"),
    sa.Index("runs_state", "state", "schedule_time", "number"),
    sa.Index("runs_rerun_of", "rerun_of"),
)

run_log = sa.Table(
    "run_log",
    metadata,
    # Orders a run's lines as they were written, even when two share a timestamp.
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("time", UTCTime, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Index("run_log_number", "number", "id"),
)

outputs = sa.Table(
    "outputs",
    metadata,
    sa.Column("number", sa.BigInteger, primary_key=True),
    sa.Column("output_id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("content_type", sa.String, nullable=False),
    sa.Column("length", sa.BigInteger, nullable=False),  # uncompressed
    sa.Column("compression", sa.String, nullable=True),  # None or "zlib"
    sa.Column("data", sa.LargeBinary, nullable=False),
)

adhoc_jobs = sa.Table(
    "adhoc_jobs",
    metadata,
    sa.Column("job_id", sa.String, primary_key=True),
    sa.Column("job", sa.Text, nullable=False),
)

service_state = sa.Table(
    "service_state",
    metadata,
    sa.Column("key", sa.String, primary_key=True),  # NEXT_RUN_NUMBER, HORIZON
    sa.Column("value", sa.Text, nullable=False),
)
