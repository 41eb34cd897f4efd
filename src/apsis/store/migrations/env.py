"""Alembic's environment: migrate over the connection `store.database` provides.

Online only: the store always migrates a live file inside one transaction (SQLite's
DDL is transactional, so a failed migration leaves the file as it was).
"""

from __future__ import annotations

from alembic import context

from apsis.store.schema import metadata

if context.is_offline_mode():
    raise RuntimeError("the Apsis store migrates online only (apsisctl migrate DB)")

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    # SQLite alters most tables by copying them; batch mode writes those migrations.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
