"""A cancellation's last day lies inside its term: start_date <= last_day <= end_date.

The coverage period's SQL form, ``coalesce(last_day, end_date)``, equals the rule's
``min(end_date, last_day)`` only while this holds; the service checked it, now the database
keeps it too. (SQLite rebuilds the table: ``groupcover.migrate.upgrade`` turns its foreign
keys off around the migration and checks them before commit.)

Revision ID: 0006_cancellation_inside_term
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0006_cancellation_inside_term"
down_revision = "0005"
branch_labels = None
depends_on = None

NAME = "ck_term_last_day_inside"
CONDITION = "start_date <= last_day AND last_day <= end_date"


def upgrade() -> None:
    with op.batch_alter_table("term") as batch_op:
        batch_op.create_check_constraint(NAME, CONDITION)


def downgrade() -> None:
    with op.batch_alter_table("term") as batch_op:
        batch_op.drop_constraint(NAME, type_="check")
