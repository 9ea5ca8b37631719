"""Claims as seed 004 reads them: cost groups, decisions, approvals, deductions, reversals,
lifecycle status and the timeline (issue 12).

Existing data is carried over so that every incident, cost line and payment adds up exactly
as before (no row is merged, split or dropped; no amount changes):

- cost lines get ``group`` from their incident's old cause: ``leak`` → leak; ``content``,
  ``attack``, ``other_it`` → other; ``suspected_attack`` → suspected_attack; ``regulatory``
  → regulatory (the old cause's categories are exactly that group's);
- the old cause ``regulatory`` is no longer a cause (regulatory costs follow any incident):
  such incidents become ``leak`` (規制手続 follow data leaks in practice), noted internally on
  their timeline; a ``suspected_attack`` with ``attack_occurred`` becomes ``attack`` with
  ``confirmed_on`` (its lines stay in group suspected_attack); ``attack_occurred`` is dropped;
- an incident that was already paid is recorded as accepted (on its first payment's day) with
  every line approved at its claimed amount, so what was paid stays within what is approved;
  the others have no decision yet;
- a free-text ``pay_by`` extension reason becomes reason ``other`` with the text kept as its
  detail;
- the timeline is filled from the rows that exist (reported, cost, claim complete, payment),
  each with the actor of its audit entry;
- ``victims_count`` is counted when the migration runs inside the app (``flask migrate``: the
  key is at hand), else left empty and counted when read.

Revision ID: 0009_claims
Revises: 0011_notice_proof
Create Date: 2026-11-25
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_claims"
down_revision = "0011_notice_proof"
branch_labels = None
depends_on = None

_STATUS = "status IN ('reported', 'claim_complete', 'accepted', 'declined', 'paid')"
_MIGRATION = "migration 0009_claims"


def _actor(entity: str, entity_id: str, action: str) -> str:
    return (
        "COALESCE((SELECT MIN(a.actor) FROM audit_entry a WHERE a.entity = '"
        + entity
        + "' AND a.entity_id = "
        + entity_id
        + " AND a.action = '"
        + action
        + f"'), '{_MIGRATION}')"
    )


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("victims_count", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "extension_detail", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "status",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="reported",
            )
        )
        batch_op.add_column(
            sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.add_column(
            sa.Column("exclusion", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True)
        )
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("decision_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("approved_yen", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("deducted_yen", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("incident_cost", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("group", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("persons", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unit_yen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("approved_yen", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("incident_payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reversed_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "reversal_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True
            )
        )
    op.create_table(
        "incident_deduction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("duty", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_yen > 0", name="ck_incident_deduction_amount"),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident_deduction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_deduction_incident_id"), ["incident_id"], unique=False
        )
    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_event_incident_id"), ["incident_id"], unique=False
        )

    _migrate_data()

    with op.batch_alter_table("incident_cost", schema=None) as batch_op:
        batch_op.alter_column(
            "group", existing_type=sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False
        )
        batch_op.create_check_constraint(
            "ck_incident_cost_approved",
            "approved_yen IS NULL OR (approved_yen >= 0 AND approved_yen <= amount_yen)",
        )
        batch_op.create_check_constraint(
            "ck_incident_cost_per_person",
            "(persons IS NULL AND unit_yen IS NULL) OR (persons > 0 AND unit_yen > 0)",
        )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
        batch_op.alter_column("approved_yen", server_default=None)
        batch_op.alter_column("deducted_yen", server_default=None)
        batch_op.drop_column("attack_occurred")
        batch_op.drop_constraint("ck_incident_money", type_="check")
        batch_op.create_check_constraint(
            "ck_incident_money",
            "paid_yen >= 0 AND claimed_yen >= 0 AND approved_yen >= 0 AND deducted_yen >= 0",
        )
        batch_op.create_check_constraint("ck_incident_status", _STATUS)
        batch_op.create_check_constraint(
            "ck_incident_decision", "decision IS NULL OR decision IN ('accepted', 'declined')"
        )
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)


def _migrate_data() -> None:
    conn = op.get_bind()
    op.execute(
        'UPDATE incident_cost SET "group" = (SELECT CASE i.cause '
        "WHEN 'leak' THEN 'leak' WHEN 'suspected_attack' THEN 'suspected_attack' "
        "WHEN 'regulatory' THEN 'regulatory' ELSE 'other' END "
        "FROM incident i WHERE i.id = incident_cost.incident_id)"
    )
    # The timeline from the rows that exist, before causes change.
    _insert_events(conn)
    regulatory = [
        r for (r,) in conn.execute(sa.text("SELECT id FROM incident WHERE cause = 'regulatory'"))
    ]
    for incident_id in regulatory:
        _event(
            conn,
            incident_id,
            "cause_migrated",
            note="cause 'regulatory' is a cost group now; the incident was recorded as 'leak' "
            "by migration 0009_claims: check and correct its cause if needed",
        )
    op.execute("UPDATE incident SET cause = 'leak' WHERE cause = 'regulatory'")
    confirmed = conn.execute(
        sa.text(
            "SELECT id, updated_at, discovered_on FROM incident "
            "WHERE cause = 'suspected_attack' AND attack_occurred = :yes"
        ),
        {"yes": True},
    ).all()
    for incident_id, updated_at, discovered_on in confirmed:
        day = updated_at.date() if hasattr(updated_at, "date") else discovered_on
        conn.execute(
            sa.text("UPDATE incident SET cause = 'attack', confirmed_on = :day WHERE id = :id"),
            {"day": day, "id": incident_id},
        )
        _event(conn, incident_id, "attack_confirmed", on=day, detail={"cause": "attack"})
    op.execute(
        "UPDATE incident SET extension_detail = pay_by_extension_reason, "
        "pay_by_extension_reason = 'other' WHERE pay_by_extension_reason IS NOT NULL"
    )
    _accept_paid_incidents(conn)
    op.execute(
        "UPDATE incident SET status = 'claim_complete' "
        "WHERE completed_on IS NOT NULL AND decision IS NULL"
    )
    _count_victims(conn)


def _event(conn, incident_id: int, kind: str, *, on=None, detail=None, note=None, amount=None):
    conn.execute(
        sa.text(
            'INSERT INTO incident_event (incident_id, at, "on", kind, actor, amount_yen, detail, '
            "note) VALUES (:i, CURRENT_TIMESTAMP, :on, :kind, :actor, :amount, :detail, :note)"
        ),
        {
            "i": incident_id,
            "on": on,
            "kind": kind,
            "actor": _MIGRATION,
            "amount": amount,
            "detail": json.dumps(detail or {}),
            "note": note,
        },
    )


def _insert_events(conn) -> None:
    columns = 'incident_id, at, "on", kind, actor, amount_yen, detail'
    conn.execute(
        sa.text(
            f"INSERT INTO incident_event ({columns}) SELECT id, created_at, occurred_on, "
            f"'reported', {_actor('incident', 'incident.id', 'incident.report')}, NULL, "
            "'{}' FROM incident"
        )
    )
    conn.execute(
        sa.text(
            f"INSERT INTO incident_event ({columns}) SELECT c.incident_id, c.created_at, "
            f"c.incurred_on, 'cost', {_actor('incident_cost', 'c.id', 'incident.cost.add')}, "
            "c.amount_yen, '{}' FROM incident_cost c"
        )
    )
    conn.execute(
        sa.text(
            f"INSERT INTO incident_event ({columns}) SELECT id, updated_at, completed_on, "
            f"'claim_complete', {_actor('incident', 'incident.id', 'incident.claim_complete')}, "
            "NULL, '{}' FROM incident WHERE completed_on IS NOT NULL"
        )
    )
    conn.execute(
        sa.text(
            f"INSERT INTO incident_event ({columns}) SELECT p.incident_id, p.created_at, "
            f"p.paid_on, 'payment', {_actor('incident_payment', 'p.id', 'incident.payment')}, "
            "p.amount_yen, '{}' FROM incident_payment p"
        )
    )


def _accept_paid_incidents(conn) -> None:
    """Paid before decisions existed: accepted on the first payment's day, lines approved."""
    rows = conn.execute(
        sa.text(
            "SELECT i.id, i.occurred_on, i.claimed_yen, i.paid_yen, "
            "(SELECT MIN(p.paid_on) FROM incident_payment p WHERE p.incident_id = i.id) "
            "FROM incident i WHERE i.paid_yen > 0"
        )
    ).all()
    for incident_id, occurred_on, claimed, paid, first_paid in rows:
        per_incident = conn.execute(
            sa.text(
                "SELECT per_incident_limit FROM coverage_terms WHERE effective_date <= :on "
                "ORDER BY effective_date DESC LIMIT 1"
            ),
            {"on": occurred_on},
        ).scalar()
        payable = min(claimed, per_incident if per_incident is not None else claimed)
        status = "paid" if payable > 0 and paid >= payable else "accepted"
        conn.execute(
            sa.text("UPDATE incident_cost SET approved_yen = amount_yen WHERE incident_id = :i"),
            {"i": incident_id},
        )
        conn.execute(
            sa.text(
                "UPDATE incident SET decision = 'accepted', decided_on = :day, "
                "approved_yen = claimed_yen, status = :status, decision_note = :note "
                "WHERE id = :i"
            ),
            {
                "day": first_paid,
                "status": status,
                "note": "recorded by migration 0009_claims: paid before decisions were kept",
                "i": incident_id,
            },
        )
        _event(
            conn,
            incident_id,
            "decision",
            on=first_paid,
            detail={"decision": "accepted", "approved_yen": claimed},
            note="recorded by migration 0009_claims: paid before decisions were kept",
        )


def _count_victims(conn) -> None:
    """Count victims where the app's key is at hand (``flask migrate``); else leave NULL."""
    try:
        from flask import current_app, has_app_context

        if not has_app_context() or not current_app.config.get("ENCRYPTION_KEY"):
            return
        from cryptography.fernet import Fernet

        fernet = Fernet(current_app.config["ENCRYPTION_KEY"])
    except Exception:  # noqa: BLE001 — counting is a convenience; reads count lazily
        return
    rows = conn.execute(sa.text("SELECT id, victims_encrypted FROM incident")).all()
    for incident_id, token in rows:
        try:
            count = len(json.loads(fernet.decrypt(token.encode("ascii"))))
        except Exception:  # noqa: BLE001 — a row under another key is counted when read
            continue
        conn.execute(
            sa.text("UPDATE incident SET victims_count = :n WHERE id = :i"),
            {"n": count, "i": incident_id},
        )


def downgrade() -> None:
    raise NotImplementedError("0009_claims is not reversible: decisions and events would be lost")
