"""Jobs in a worker: sync runs may be ``queued`` (at most one), each job's last run is kept.

Revision ID: 0013_sync_queue
Revises: 0006_cancellation_inside_term
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013_sync_queue"
down_revision = "0006_cancellation_inside_term"
branch_labels = None
depends_on = None

QUEUED = sa.text("status = 'queued'")


def upgrade() -> None:
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.drop_constraint("ck_sync_run_status", type_="check")
        batch_op.create_check_constraint(
            "ck_sync_run_status", "status IN ('queued', 'running', 'succeeded', 'failed')"
        )
    op.create_index(
        "uq_sync_run_one_queued",
        "sync_run",
        ["status"],
        unique=True,
        sqlite_where=QUEUED,
        postgresql_where=QUEUED,
    )
    op.create_table(
        "job_state",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("job_state")
    op.drop_index("uq_sync_run_one_queued", table_name="sync_run")
    op.execute("UPDATE sync_run SET status = 'failed' WHERE status = 'queued'")
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.drop_constraint("ck_sync_run_status", type_="check")
        batch_op.create_check_constraint(
            "ck_sync_run_status", "status IN ('running', 'succeeded', 'failed')"
        )
