"""Auth hardening (issue 10): token expiry and last use, failed authentications per address.

Existing tokens expire 365 days after they were created (TOKEN_DAYS' default).

Revision ID: 0007_auth_hardening
Revises: 0008_console_users
Create Date: 2026-11-25
"""

from __future__ import annotations

from datetime import UTC, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_auth_hardening"
down_revision = "0008_console_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    tokens = sa.table(
        "api_token",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    for token_id, created_at in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        if bind.dialect.name == "sqlite" and created_at.tzinfo is not None:
            created_at = created_at.astimezone(UTC).replace(tzinfo=None)
        bind.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(expires_at=created_at + timedelta(days=365))
        )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )

    op.create_table(
        "auth_failure",
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_failure_window_start"), ["window_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_failure_window_start"))
    op.drop_table("auth_failure")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
