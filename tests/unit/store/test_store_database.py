"""Creating, opening and migrating store files, and refusing the wrong ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from apsis.errors import StoreError
from apsis.store import SCHEMA_VERSION, create_store, migrate_store, open_store
from apsis.store.database import MIGRATIONS, alembic_config
from apsis.store.schema import metadata


def set_version(path: Path, version: str | None) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM alembic_version")
        if version is not None:
            conn.execute("INSERT INTO alembic_version VALUES (?)", (version,))
    conn.close()


def downgrade_to_base(path: Path) -> None:
    """Alembic's own downgrade: an empty schema and an empty version table."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()


def schema_differences(path: Path) -> list[object]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return list(diffs)


def test_create_then_open_gives_an_empty_store(store_path: Path) -> None:
    create_store(store_path)
    store = open_store(store_path)
    assert store.count_runs() == 0
    assert store.get_horizon() is None
    store.close()


def test_created_file_is_in_wal_mode(store_path: Path) -> None:
    create_store(store_path)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_create_refuses_an_existing_file(store_path: Path) -> None:
    store_path.write_text("precious")
    with pytest.raises(StoreError) as exc:
        create_store(store_path)
    assert str(exc.value) == f"{store_path} already exists"
    assert store_path.read_text() == "precious"


def test_create_in_a_missing_folder_says_why(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "apsis.db"
    with pytest.raises(StoreError) as exc:
        create_store(path)
    assert str(exc.value) == f"cannot create {path}: unable to open database file"


def test_open_refuses_a_missing_file_and_says_how_to_create_it(store_path: Path) -> None:
    with pytest.raises(StoreError) as exc:
        open_store(store_path)
    assert str(exc.value) == (
        f"{store_path} does not exist; create it with `apsisctl create {store_path}`"
    )


def test_open_refuses_a_file_that_is_not_a_database(store_path: Path) -> None:
    store_path.write_text("jobs:\n  - not a database\n" * 100)
    with pytest.raises(StoreError) as exc:
        open_store(store_path)
    assert str(exc.value) == f"{store_path} is not an Apsis database"


def test_open_refuses_another_programs_database(store_path: Path) -> None:
    with sqlite3.connect(store_path) as conn:
        conn.execute("CREATE TABLE things (x)")
    conn.close()
    with pytest.raises(StoreError) as exc:
        open_store(store_path)
    assert str(exc.value) == f"{store_path} is not an Apsis database"


def test_open_refuses_a_foreign_alembic_revision(store_path: Path) -> None:
    create_store(store_path)
    set_version(store_path, "3f2a9c1b7d0e")
    with pytest.raises(StoreError, match=r"is not an Apsis database$"):
        open_store(store_path)


def test_open_refuses_an_older_schema_and_says_to_migrate(store_path: Path) -> None:
    create_store(store_path)
    set_version(store_path, None)
    with pytest.raises(StoreError) as exc:
        open_store(store_path)
    assert str(exc.value) == (
        f"{store_path} has schema version 0; run `apsisctl migrate {store_path}`"
    )


def test_open_refuses_a_newer_schema(store_path: Path) -> None:
    create_store(store_path)
    set_version(store_path, f"{SCHEMA_VERSION + 1:04d}")
    with pytest.raises(StoreError) as exc:
        open_store(store_path)
    assert str(exc.value) == (
        f"{store_path} was written by a newer Apsis "
        f"(schema version {SCHEMA_VERSION + 1}; this one knows {SCHEMA_VERSION})"
    )


def test_migrate_refuses_a_newer_schema(store_path: Path) -> None:
    create_store(store_path)
    set_version(store_path, f"{SCHEMA_VERSION + 1:04d}")
    with pytest.raises(StoreError, match="written by a newer Apsis"):
        migrate_store(store_path)


def test_migrate_refuses_a_missing_file(store_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist; create it with"):
        migrate_store(store_path)


def test_migrate_of_a_current_file_does_nothing(store_path: Path) -> None:
    create_store(store_path)
    assert migrate_store(store_path) == (
        f"{store_path} is at schema version {SCHEMA_VERSION}; nothing to do"
    )


def test_migrate_upgrades_an_old_file_which_then_opens(store_path: Path) -> None:
    create_store(store_path)
    downgrade_to_base(store_path)
    with pytest.raises(StoreError, match="has schema version 0"):
        open_store(store_path)
    assert migrate_store(store_path) == (
        f"{store_path}: migrated from schema version 0 to {SCHEMA_VERSION}"
    )
    store = open_store(store_path)
    assert store.allocate_run_numbers(1) == 1
    store.close()


def test_migrations_build_exactly_the_declared_schema(store_path: Path) -> None:
    create_store(store_path)
    downgrade_to_base(store_path)
    migrate_store(store_path)
    assert schema_differences(store_path) == []


def test_schema_version_is_the_newest_migration() -> None:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head == f"{SCHEMA_VERSION:04d}"


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
