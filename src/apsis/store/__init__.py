"""Persistence: runs, run logs, outputs, ad hoc jobs and service state (SPEC §11).

database.py  create, open (with version checks) and migrate a store file
store.py     Store: synchronous reads and batched writes, archive, vacuum
ops.py       the write ops, Conflict, OutputInfo
query.py     run filters and (schedule time, run number) cursor paging
write.py     applying a batch of ops in one transaction
archive.py   moving old finished runs into another file
writer.py    GroupWriter: group commit from the event loop on a writer thread
reader.py    Reader: reads from the event loop on a reader thread
schema.py    tables, indexes, the schema version
dialect.py   everything particular to SQLite
migrations/  Alembic environment and revisions
"""

from .database import create_store, migrate_store
from .ops import (
    AppendLog,
    Conflict,
    DeleteRun,
    InsertRun,
    Op,
    OutputInfo,
    PutAdhocJob,
    PutOutput,
    SetHorizon,
    UpdateRun,
)
from .query import Cursor
from .schema import SCHEMA_VERSION
from .store import Store, open_store
from .writer import GroupWriter

__all__ = [
    "SCHEMA_VERSION",
    "AppendLog",
    "Conflict",
    "Cursor",
    "DeleteRun",
    "GroupWriter",
    "InsertRun",
    "Op",
    "OutputInfo",
    "PutAdhocJob",
    "PutOutput",
    "SetHorizon",
    "Store",
    "UpdateRun",
    "create_store",
    "migrate_store",
    "open_store",
]
