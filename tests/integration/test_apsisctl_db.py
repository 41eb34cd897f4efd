"""`apsisctl create`, `migrate` and `check-db`, run as the real executable."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from apsis.store import SCHEMA_VERSION, InsertRun, open_store
from apsis.store.database import alembic_config

APSISCTL = str(Path(sys.executable).parent / "apsisctl")


def apsisctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([APSISCTL, *args], capture_output=True, text=True, timeout=60)


def test_create_then_check_db_counts_the_runs(tmp_path: Path) -> None:
    db = tmp_path / "apsis.db"
    created = apsisctl("create", str(db))
    assert created.returncode == 0, created.stderr
    assert created.stdout == f"created {db} (schema version {SCHEMA_VERSION})\n"
    store = open_store(db)
    store.write([InsertRun({"run_id": "r1", "job_id": "j", "args": {}, "state": "new",
                            "times": {"schedule": "2026-11-21T09:00:00+00:00"}})])  # fmt: skip
    store.close()
    checked = apsisctl("check-db", str(db))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == f"ok: {db}: schema version {SCHEMA_VERSION}, 1 runs\n"


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    db = tmp_path / "apsis.db"
    db.write_text("keep me")
    result = apsisctl("create", str(db))
    assert result.returncode == 1
    assert result.stderr == f"error: {db} already exists\n"
    assert db.read_text() == "keep me"


def test_check_db_of_a_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    db = tmp_path / "apsis.db"
    result = apsisctl("check-db", str(db))
    assert result.returncode == 1
    assert result.stderr == (f"error: {db} does not exist; create it with `apsisctl create {db}`\n")


def test_check_db_refuses_a_newer_schema(tmp_path: Path) -> None:
    db = tmp_path / "apsis.db"
    assert apsisctl("create", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    result = apsisctl("check-db", str(db))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {db} was written by a newer Apsis (schema version 99; "
        f"this one knows {SCHEMA_VERSION})\n"
    )


def test_migrate_upgrades_an_old_file_so_check_db_accepts_it(tmp_path: Path) -> None:
    db = tmp_path / "apsis.db"
    assert apsisctl("create", str(db)).returncode == 0
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()
    refused = apsisctl("check-db", str(db))
    assert refused.stderr == f"error: {db} has schema version 0; run `apsisctl migrate {db}`\n"
    migrated = apsisctl("migrate", str(db))
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == f"{db}: migrated from schema version 0 to {SCHEMA_VERSION}\n"
    assert apsisctl("check-db", str(db)).returncode == 0
    again = apsisctl("migrate", str(db))
    assert again.stdout == f"{db} is at schema version {SCHEMA_VERSION}; nothing to do\n"


def test_check_db_reports_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "apsis.db"
    db.write_bytes(b"\x00garbage" * 1000)
    result = apsisctl("check-db", str(db))
    assert result.returncode == 1
    assert result.stderr == f"error: {db} is not an Apsis database\n"
