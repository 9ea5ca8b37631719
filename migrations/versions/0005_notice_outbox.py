"""One outbox for every letter: notice kinds, a unique key per cause, a context, cancelled.

Existing notices are coverage-terms changes; their key is ``coverage_change:<version>:<member>``,
which is what the old unique (member_id, coverage_terms_id) constraint guaranteed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KINDS = "kind IN ('coverage_change', 'withdrawal', 'limit_alert', 'payment_extension')"


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=30),
                nullable=False,
                server_default="coverage_change",
            )
        )
        batch_op.add_column(
            sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE notice SET key = 'coverage_change:' || CAST(coverage_terms_id AS VARCHAR)"
        " || ':' || CAST(member_id AS VARCHAR)"
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column(
            "key", existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False
        )
        batch_op.alter_column("coverage_terms_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("uq_notice_member_terms", type_="unique")
        batch_op.create_unique_constraint("uq_notice_key", ["key"])
        batch_op.drop_constraint("ck_notice_status", type_="check")
        batch_op.create_check_constraint(
            "ck_notice_status", "status IN ('pending', 'sent', 'failed', 'cancelled')"
        )
        batch_op.create_check_constraint("ck_notice_kind", _KINDS)
        batch_op.create_index("ix_notice_member_id", ["member_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM notice WHERE kind <> 'coverage_change'")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_member_id")
        batch_op.drop_constraint("ck_notice_kind", type_="check")
        batch_op.drop_constraint("ck_notice_status", type_="check")
        batch_op.create_check_constraint(
            "ck_notice_status", "status IN ('pending', 'sent', 'failed')"
        )
        batch_op.drop_constraint("uq_notice_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_notice_member_terms", ["member_id", "coverage_terms_id"]
        )
        batch_op.alter_column("coverage_terms_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("context")
        batch_op.drop_column("key")
        batch_op.drop_column("kind")
