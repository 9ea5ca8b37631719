"""Backbone schema: program, members, terms, registrations, coverage terms, tokens, audit.

The program row and the first coverage-terms version (¥3,000,000 per incident, ¥10,000,000
aggregate; seed 004 §2) are inserted here with the same values as
``groupcover.program.service.DEFAULT_PROGRAM`` and ``groupcover.coverage_terms.service.INITIAL_TERMS``
(a test checks they agree).

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_entity"), ["entity"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "coverage_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("per_incident_limit", sa.BigInteger(), nullable=False),
        sa.Column("aggregate_limit", sa.BigInteger(), nullable=False),
        sa.Column("summary_ja", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("summary_en", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("override_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "per_incident_limit > 0 AND aggregate_limit > 0", name="ck_coverage_terms_positive"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("effective_date"),
    )
    op.create_table(
        "lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("vendor_account_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("corporate_number", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True),
        sa.Column("vendor_credential", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vendor_account_id"),
    )
    op.create_table(
        "program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("policyholder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("insurer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("policy_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_member_id"), ["member_id"], unique=False)

    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column(
            "vendor_supplier_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("deregistered_on", sa.Date(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('sync', 'manual')", name="ck_registration_source"),
        sa.CheckConstraint(
            "deregistered_on IS NULL OR deregistered_on >= registered_on",
            name="ck_registration_dates",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registration_domain_registered", ["domain", "registered_on"], unique=False
        )
        batch_op.create_index(
            "ix_registration_member_domain", ["member_id", "domain"], unique=False
        )
        batch_op.create_index(
            "uq_registration_active_vendor_id",
            ["member_id", "vendor_supplier_id"],
            unique=True,
            sqlite_where=sa.text("deregistered_on IS NULL AND vendor_supplier_id IS NOT NULL"),
            postgresql_where=sa.text("deregistered_on IS NULL AND vendor_supplier_id IS NOT NULL"),
        )

    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("aggregate_paid", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("aggregate_paid >= 0", name="ck_term_aggregate_paid"),
        sa.CheckConstraint("end_date >= start_date", name="ck_term_dates"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("term", schema=None) as batch_op:
        batch_op.create_index("ix_term_member_start", ["member_id", "start_date"], unique=False)

    now = datetime.now(UTC)
    op.bulk_insert(
        sa.table(
            "program",
            *(
                sa.column(c)
                for c in (
                    "name",
                    "policyholder",
                    "insurer",
                    "policy_number",
                    "timezone",
                    "created_at",
                    "updated_at",
                )
            ),
        ),
        [
            {
                "name": "Supplier Support Pack group cyber insurance",
                "policyholder": "Program administrator",
                "insurer": "Insurer",
                "policy_number": None,
                "timezone": "Asia/Tokyo",
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    op.bulk_insert(
        sa.table(
            "coverage_terms",
            sa.column("effective_date", sa.Date),
            *(
                sa.column(c)
                for c in (
                    "per_incident_limit",
                    "aggregate_limit",
                    "summary_ja",
                    "summary_en",
                    "created_at",
                )
            ),
        ),
        [
            {
                "effective_date": date(2000, 1, 1),
                "per_incident_limit": 3_000_000,
                "aggregate_limit": 10_000_000,
                "summary_ja": "補償内容（当初）: 1事故につき300万円、補償期間中の累計1,000万円。",
                "summary_en": "Initial coverage terms: ¥3,000,000 per incident, "
                "¥10,000,000 in aggregate per coverage period.",
                "created_at": now,
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("term", schema=None) as batch_op:
        batch_op.drop_index("ix_term_member_start")

    op.drop_table("term")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_registration_active_vendor_id",
            sqlite_where=sa.text("deregistered_on IS NULL AND vendor_supplier_id IS NOT NULL"),
            postgresql_where=sa.text("deregistered_on IS NULL AND vendor_supplier_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_registration_member_domain")
        batch_op.drop_index("ix_registration_domain_registered")

    op.drop_table("registration")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_member_id"))

    op.drop_table("api_token")
    op.drop_table("program")
    op.drop_table("member")
    op.drop_table("lease")
    op.drop_table("coverage_terms")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_entity_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_entity"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
