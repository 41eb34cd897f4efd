"""Schema version 1: runs, run log, outputs, ad hoc jobs, service state."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Copies of the types in store/dialect.py and store/schema.py as of this version.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JOB_ID = sa.String().with_variant(sa.String(collation="C"), "postgresql")
TIME = sa.BigInteger()  # microseconds since the UNIX epoch


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("number", ID, primary_key=True, autoincrement=False),
        sa.Column("job_id", JOB_ID, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("schedule_time", TIME, nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("rerun_of", sa.BigInteger, nullable=True),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_index("runs_schedule", "runs", ["schedule_time", "number"])
    op.create_index("runs_job", "runs", ["job_id", "schedule_time", "number"])
    op.create_index("runs_state", "runs", ["state", "schedule_time", "number"])
    op.create_index("runs_rerun_of", "runs", ["rerun_of"])
    op.create_table(
        "run_log",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("number", sa.BigInteger, nullable=False),
        sa.Column("time", TIME, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("run_log_number", "run_log", ["number", "id"])
    op.create_table(
        "outputs",
        sa.Column("number", sa.BigInteger, primary_key=True),
        sa.Column("output_id", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("content_type", sa.String, nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("compression", sa.String, nullable=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "adhoc_jobs",
        sa.Column("job_id", sa.String, primary_key=True),
        sa.Column("job", sa.Text, nullable=False),
    )
    op.create_table(
        "service_state",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("service_state", "adhoc_jobs", "outputs", "run_log", "runs"):
        op.drop_table(table)
