"""Creating, opening and migrating a store file, and the checks between them.

The schema version is Alembic's revision: "0001" is version 1, "0002" version 2 and so
on, so a file written by a newer Apsis can be told apart from a file that is not ours.
An `alembic_version` table with no row is Alembic's base: version 0, an empty schema
that `migrate` builds up. The migration scripts live in `migrations/` inside the
package and Alembic is configured in code, so no alembic.ini is needed at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreError
from . import dialect
from .schema import SCHEMA_VERSION, metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(conn: Connection) -> Config:
    """Alembic's configuration, migrating over `conn` (see migrations/env.py)."""
    # Alembic is imported only when creating or migrating a file: opening a store
    # at service start-up does not need it (a quarter of a second saved).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def create_store(path: Path) -> None:
    """Create a new store file at `path` with the current schema."""
    if path.exists():
        raise StoreError(f"{path} already exists")
    engine = dialect.make_engine(path, timeout=10)
    try:
        dialect.use_wal(engine)
        with dialect.for_writing(engine).begin() as conn:
            metadata.create_all(conn)
            from alembic import command

            command.stamp(alembic_config(conn), "head")
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"cannot create {path}: {exc.orig}") from None
    finally:
        engine.dispose()


def open_engine(path: Path, timeout: float) -> Engine:
    """An engine on the store file at `path`, refusing any but the current schema."""
    engine = _connect(path, timeout)
    try:
        version = _checked_version(engine, path)
        if version < SCHEMA_VERSION:
            raise StoreError(f"{path} has schema version {version}; run `apsisctl migrate {path}`")
        dialect.use_wal(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def migrate_store(path: Path) -> str:
    """Upgrade the store file at `path` to the current schema; says from which version."""
    engine = _connect(path, timeout=10)
    try:
        version = _checked_version(engine, path)
        if version == SCHEMA_VERSION:
            return f"{path} is at schema version {version}; nothing to do"
        with dialect.for_writing(engine).begin() as conn:
            from alembic import command

            command.upgrade(alembic_config(conn), "head")
        dialect.use_wal(engine)
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"cannot migrate {path}: {exc.orig}") from None
    finally:
        engine.dispose()
    return f"{path}: migrated from schema version {version} to {SCHEMA_VERSION}"


def _store_version(engine: Engine, path: Path) -> int:
    """The schema version of an open file; StoreError if it is not an Apsis database."""
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                raise StoreError(f"{path} is not an Apsis database")
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            found = [str(v) for v in versions]
    except sa.exc.OperationalError as exc:
        raise StoreError(f"cannot open {path}: {exc.orig}") from None
    except sa.exc.DatabaseError:
        # The driver's "file is not a database".
        raise StoreError(f"{path} is not an Apsis database") from None
    if not found:
        return 0
    if len(found) > 1 or not found[0].isdigit():
        raise StoreError(f"{path} is not an Apsis database")
    return int(found[0])


def _connect(path: Path, timeout: float) -> Engine:
    if not path.exists():
        raise StoreError(f"{path} does not exist; create it with `apsisctl create {path}`")
    return dialect.make_engine(path, timeout)


def _checked_version(engine: Engine, path: Path) -> int:
    version = _store_version(engine, path)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer Apsis (schema version {version}; "
            f"this one knows {SCHEMA_VERSION})"
        )
    return version
