"""Everything in the store that is particular to SQLite.

The rest of the package uses only portable SQLAlchemy Core, so that PostgreSQL support
means a second version of this module's few functions, not a second store.

SQLite specifics handled here:

- The `sqlite3` driver's own transaction handling is switched off (it does not BEGIN
  before SELECT or DDL, so reads are not repeatable and DDL autocommits); we emit BEGIN
  ourselves. Writers use BEGIN IMMEDIATE: a deferred transaction that reads first and
  then writes cannot wait for the write lock (SQLITE_BUSY without the busy handler),
  while IMMEDIATE takes the lock up front and so waits up to the busy timeout.
- WAL lets readers run while one writer commits; synchronous=NORMAL is durable across
  process crashes (and loses at most the last transactions on power loss), which is
  the documented pairing with WAL.
- An INTEGER PRIMARY KEY is the table's rowid, so a run looked up by number costs one
  B-tree search and no second index; other databases get a BIGINT.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""The type of run numbers and log line IDs used as primary keys."""

JOB_ID = sa.String().with_variant(sa.String(collation="C"), "postgresql")
"""Job IDs compare byte-wise everywhere, so a job-prefix filter can be an index range."""

_WRITE_OPTION = "apsis_write"
_PRAGMAS = (
    "PRAGMA synchronous=NORMAL",
    # 8 MiB of page cache per connection. The kernel's page cache keeps a busy file hot
    # anyway, and counts against no process; SQLite's own cache is per connection and
    # counts against the service's memory once for each pooled connection, so 64 MiB
    # here cost the service 150 MiB of RSS for 1 M stored runs without a faster page.
    "PRAGMA cache_size=-8192",
)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def make_engine(path: Path, timeout: float) -> Engine:
    """An engine on the SQLite file `path`; a connection waits `timeout` seconds for a lock."""
    url = sa.URL.create("sqlite", database=str(path))
    engine = sa.create_engine(url, connect_args={"timeout": timeout}, json_serializer=compact_json)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def for_writing(engine: Engine) -> Engine:
    """The same engine (and pool), whose transactions take the write lock when they begin."""
    return engine.execution_options(**{_WRITE_OPTION: True})


def use_wal(engine: Engine) -> None:
    """Put the file in WAL mode; the mode is stored in the file, so this is needed once."""
    (mode,) = _outside_transaction(engine, "PRAGMA journal_mode=WAL")[0]
    if str(mode).lower() != "wal":
        raise RuntimeError(f"cannot switch to WAL mode (journal mode is {mode})")


def vacuum(engine: Engine) -> None:
    """Rebuild the file to return free pages to the file system."""
    _outside_transaction(engine, "VACUUM")


def integrity_problems(engine: Engine) -> list[str]:
    """What `PRAGMA integrity_check` finds wrong; empty when the file is sound."""
    rows = [str(row[0]) for row in _outside_transaction(engine, "PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def optimize(engine: Engine) -> None:
    """Refresh the query planner's statistics where they are stale (cheap; on close)."""
    _outside_transaction(engine, "PRAGMA optimize")


def _outside_transaction(engine: Engine, sql: str) -> list[Any]:
    """Run `sql` on a pooled driver connection, bypassing BEGIN: journal mode changes and
    VACUUM refuse to run inside a transaction, and `PRAGMA optimize` may write.

    Driver errors are wrapped as SQLAlchemy's, as they would be through a Connection.
    """
    with engine.connect() as conn:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc
        finally:
            cursor.close()
