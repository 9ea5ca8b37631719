"""coverage_generation: one counter that every committed write of who is covered moves on.

A registration, a term or a member written in a transaction bumps it just before COMMIT
(``groupcover.db._track_coverage_writes``). The coverage answer keeps the count of a popular
domain's entries (10,000 members: 4–6 ms of database work) for as long as the counter read in
the same statement stays the same.

Revision ID: 0015_coverage_generation
Revises: 0014_perf
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_coverage_generation"
down_revision = "0014_perf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    generation = op.create_table(
        "coverage_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(generation, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("coverage_generation")
