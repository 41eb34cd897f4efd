"""Alembic migrations of the store schema (configured in code by `store.database`).

To change the schema: edit `store/schema.py`, then add `versions/rNNNN_<what>.py` with
`revision = "NNNN"` (the next number: the schema version), `down_revision` the previous
one, and explicit `op` calls (a migration must not import `schema.py`, which will have
moved on). Then raise `schema.SCHEMA_VERSION`. The tests check that the migrations
build exactly the tables `schema.py` declares. `alembic.command.revision` with
`store.database.alembic_config` writes the file skeleton from `script.py.mako`.
"""
