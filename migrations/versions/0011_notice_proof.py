"""Resend, withdraw and proof of notice (issue 14): attempts history, message chain.

Revision ID: 0011_notice_proof
Revises: 0013_sync_queue
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_notice_proof"
down_revision = "0013_sync_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resends", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("resend_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)
        )
    with op.batch_alter_table("coverage_terms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.create_table(
        "notice_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("resend", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("smtp_reply", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("message_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('accepted', 'transient', 'permanent')", name="ck_notice_attempt_outcome"
        ),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notice_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_notice_attempt_notice", ["notice_id", "attempt"], unique=False)
    op.create_table(
        "notice_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("message_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chain_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["notice_attempt.id"]),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    with op.batch_alter_table("notice_message", schema=None) as batch_op:
        batch_op.create_index("ix_notice_message_notice", ["notice_id"], unique=False)
    op.create_table(
        "notice_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=True),
        sa.Column("chain_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        sa.table(
            "notice_chain",
            sa.column("id", sa.Integer()),
            sa.column("length", sa.Integer()),
            sa.column("chain_sha256", sa.String()),
        ),
        [{"id": 1, "length": 0, "chain_sha256": "0" * 64}],
    )


def downgrade() -> None:
    op.drop_table("notice_chain")
    with op.batch_alter_table("notice_message", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_message_notice")
    op.drop_table("notice_message")
    with op.batch_alter_table("notice_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_attempt_notice")
    op.drop_table("notice_attempt")
    with op.batch_alter_table("coverage_terms", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_at")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("resend_reason")
        batch_op.drop_column("resends")
