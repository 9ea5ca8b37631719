"""Incidents, their cost lines and payments (issue 6; seed 004 §3–§6).

Money is BIGINT yen; victims are stored only as Fernet ciphertext.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:13:20.185221
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("term_id", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.Time(), nullable=True),
        sa.Column("discovered_on", sa.Date(), nullable=False),
        sa.Column("known_on", sa.Date(), nullable=True),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("circumstances", sa.Text(), nullable=False),
        sa.Column("cause", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("attack_occurred", sa.Boolean(), nullable=False),
        sa.Column("victims_encrypted", sa.Text(), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("reason_text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("pay_by", sa.Date(), nullable=True),
        sa.Column(
            "pay_by_extension_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True
        ),
        sa.Column("claimed_yen", sa.BigInteger(), nullable=False),
        sa.Column("paid_yen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("paid_yen >= 0 AND claimed_yen >= 0", name="ck_incident_money"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["term.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_pay_by"), ["pay_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incident_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_term_id"), ["term_id"], unique=False)

    op.create_table(
        "incident_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("item", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_yen > 0", name="ck_incident_cost_amount"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident_cost", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_cost_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_yen > 0", name="ck_incident_payment_amount"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["term.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_payment_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_payment_term_id"), ["term_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_payment_term_id"))
        batch_op.drop_index(batch_op.f("ix_incident_payment_incident_id"))

    op.drop_table("incident_payment")
    with op.batch_alter_table("incident_cost", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_cost_incident_id"))

    op.drop_table("incident_cost")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_term_id"))
        batch_op.drop_index(batch_op.f("ix_incident_registration_id"))
        batch_op.drop_index(batch_op.f("ix_incident_pay_by"))
        batch_op.drop_index(batch_op.f("ix_incident_member_id"))

    op.drop_table("incident")
