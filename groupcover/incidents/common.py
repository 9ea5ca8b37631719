"""What every incident write shares: the incident re-read under a row lock, the dated
timeline event, the audit record of a change, the claim status recomputed after one, and a
cost-rule error turned into ``RuleViolation``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from groupcover import audit, clock, db
from groupcover.coverage_terms.service import limits_on
from groupcover.errors import RuleViolation
from groupcover.incidents.models import Event, Incident
from groupcover.rules import claims as claim_rules
from groupcover.rules import costs as cost_rules
from groupcover.rules import limits as limit_rules

_PRIVATE = ("victims_encrypted", "decision_note")


def _rule_violation(err: cost_rules.CostRuleError) -> RuleViolation:
    extra: dict[str, Any] = {"allowed": list(err.allowed)} if err.allowed else {}
    if err.missing:
        extra["missing"] = list(err.missing)
    return RuleViolation(err.message, field=err.field, rule=err.rule, **extra)


def _stored(ident: int | None) -> int:
    """The id of a row already in the database (never None once flushed)."""
    assert ident is not None
    return ident


def _event(
    session: Session,
    incident: Incident,
    kind: str,
    *,
    on: date | None = None,
    amount_yen: int | None = None,
    detail: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """Append one dated event to the incident's timeline (same transaction as the change)."""
    session.add(
        Event(
            incident_id=_stored(incident.id),
            on=on,
            kind=kind,
            actor=audit.current_actor(),
            amount_yen=amount_yen,
            detail=detail or {},
            note=note,
        )
    )


def _locked(session: Session, incident: Incident) -> Incident:
    """The incident re-read under a row lock, so read-modify-write of its totals and checklist
    by concurrent requests never loses an update (PostgreSQL; SQLite writers are serial)."""
    return session.execute(
        db.for_update(
            session, select(Incident).where(col(Incident.id) == incident.id)
        ).execution_options(populate_existing=True)
    ).scalar_one()


def _touched(session: Session, incident: Incident, action: str, before: dict) -> None:
    incident.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        action,
        "incident",
        incident.id,
        before=before,
        after=audit.snapshot(incident, exclude=_PRIVATE),
    )


def _refresh_status(session: Session, incident: Incident) -> None:
    payable = 0
    if incident.decision == claim_rules.Decision.ACCEPTED:
        payable = limit_rules.payable_total(
            limits_on(session, incident.occurred_on), incident.approved_yen, incident.deducted_yen
        )
    incident.status = claim_rules.claim_status(
        incident.decision, incident.completed_on is not None, payable, incident.paid_yen
    ).value
