"""The coverage answer's index: a domain's registrations in member order.

``ix_registration_domain_registered`` (domain, registered_on) made the database read every
registration of a popular domain and sort them to answer one page or one member's entries;
``ix_registration_domain_member`` (domain, member_id, registered_on, deregistered_on) gives
them in ``member_id`` order with the columns that decide whether each counts on a day, so a
page, a member's own entries and the count read the index alone.

Revision ID: 0014_perf
Revises: 0007_auth_hardening
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0014_perf"
down_revision = "0007_auth_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_index("ix_registration_domain_registered")
        batch_op.create_index(
            "ix_registration_domain_member",
            ["domain", "member_id", "registered_on", "deregistered_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_index("ix_registration_domain_member")
        batch_op.create_index(
            "ix_registration_domain_registered", ["domain", "registered_on"], unique=False
        )
