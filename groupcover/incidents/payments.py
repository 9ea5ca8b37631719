"""Paying an accepted claim and reversing a payment (seed 004 §6, rule C3), and the
payments counted against one coverage period.

A payment is never beyond approved − deductions, the per-incident limit of the
coverage-terms version in force on ``occurred_on``, or the member's aggregate for that
coverage period. Payments and reversals lock the member's coverage period (its term row)
and keep its ``aggregate_paid`` counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from groupcover import audit, clock, db
from groupcover.coverage_terms.service import limits_on
from groupcover.errors import Conflict, LimitExceeded, NotCovered, NotFound, RuleViolation
from groupcover.incidents import letters
from groupcover.incidents.common import _event, _locked, _refresh_status, _stored
from groupcover.incidents.models import Incident, Payment
from groupcover.incidents.reading import get_incident
from groupcover.rules import claims as claim_rules
from groupcover.rules import limits as limit_rules
from groupcover.terms.models import Term


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    per_incident_remaining: int
    aggregate_remaining: int
    approved_remaining: int
    alerts: tuple[int, ...] = ()


def _lock_term(session: Session, term_id: int) -> Term:
    return session.execute(
        db.for_update(session, select(Term).where(col(Term.id) == term_id)).execution_options(
            populate_existing=True
        )
    ).scalar_one()


def record_payment(
    session: Session, incident_id: int, amount_yen: int, paid_on: date, today: date
) -> PaymentResult:
    """Pay on an accepted incident within approved − deductions and rule C3, under a lock on
    the member's term row: one check, one lock.

    The term row is locked first (``SELECT … FOR UPDATE``; SQLite write transactions are
    already ``BEGIN IMMEDIATE``), then the incident is read again, so two payments of the
    same member's coverage period never both pass a check made on stale totals. A payment
    that takes the aggregate paid to 50 %, 80 % or 100 % of the aggregate limit queues one
    ``limit_alert`` letter per threshold and coverage period (the outbox key makes it once).
    """
    incident = get_incident(session, incident_id, None)
    if not incident.covered or incident.term_id is None:
        raise NotCovered(incident.id, incident.reason)
    if paid_on > today or paid_on < incident.occurred_on:
        raise RuleViolation(
            f"paid_on must lie between occurred_on ({incident.occurred_on}) and today ({today})",
            field="paid_on",
            rule="paid_on_in_range",
        )
    term = _lock_term(session, incident.term_id)
    incident = _locked(session, incident)
    if incident.decision != claim_rules.Decision.ACCEPTED:
        raise RuleViolation(
            f"incident {incident.id} is {incident.status}: only an accepted claim is paid",
            field="incident_id",
            rule="payment_on_accepted_incident_only",
            status=incident.status,
        )
    limits = limits_on(session, incident.occurred_on)
    payable = incident.approved_yen - incident.deducted_yen
    headroom = limit_rules.payment_headroom(limits, incident.paid_yen, term.aggregate_paid, payable)
    passed = limit_rules.limit_passed(amount_yen, headroom)
    if passed is not None:
        raise LimitExceeded(amount_yen, passed, limits, headroom)
    payment = Payment(
        incident_id=_stored(incident.id),
        term_id=_stored(term.id),
        amount_yen=amount_yen,
        paid_on=paid_on,
    )
    session.add(payment)
    before_paid = term.aggregate_paid
    incident.paid_yen += amount_yen
    incident.updated_at = clock.now()
    term.aggregate_paid += amount_yen
    _refresh_status(session, incident)
    session.flush()
    _event(
        session,
        incident,
        "payment",
        on=paid_on,
        amount_yen=amount_yen,
        detail={"payment_id": payment.id},
    )
    audit.record(
        session, "incident.payment", "incident_payment", payment.id, after=audit.snapshot(payment)
    )
    alerts = limit_rules.thresholds_reached(limits.aggregate, before_paid, term.aggregate_paid)
    if alerts:
        letters.limit_alerts(session, term, alerts, limits, today)
    left = limit_rules.payment_headroom(limits, incident.paid_yen, term.aggregate_paid, payable)
    return PaymentResult(
        payment,
        left.per_incident_remaining,
        left.aggregate_remaining,
        left.approved_remaining or 0,
        tuple(alerts),
    )


def reverse_payment(
    session: Session, incident: Incident, payment_id: int, reason: str, today: date
) -> Payment:
    """Reverse a payment recorded in error: it is kept, marked reversed with the reason, and
    its amount is headroom again on the incident and in the member's coverage period."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.incident_id != incident.id:
        raise NotFound("payment", payment_id)
    term = _lock_term(session, payment.term_id)
    incident = _locked(session, incident)
    session.refresh(payment)
    if payment.reversed_on is not None:
        raise Conflict(
            f"payment {payment.id} was already reversed on {payment.reversed_on}",
            field="payment_id",
            rule="already_reversed",
        )
    before = audit.snapshot(payment)
    payment.reversed_on = today
    payment.reversal_reason = reason
    incident.paid_yen -= payment.amount_yen
    incident.updated_at = clock.now()
    term.aggregate_paid -= payment.amount_yen
    _refresh_status(session, incident)
    session.flush()
    _event(
        session,
        incident,
        "payment_reversed",
        on=today,
        amount_yen=payment.amount_yen,
        detail={"payment_id": payment.id, "reason": reason},
    )
    audit.record(
        session,
        "incident.payment.reverse",
        "incident_payment",
        payment.id,
        before=before,
        after=audit.snapshot(payment),
    )
    return payment


def term_payments(session: Session, term_id: int) -> list[Payment]:
    """Every payment counted against one coverage period (term), oldest first."""
    return list(
        session.execute(
            select(Payment)
            .where(col(Payment.term_id) == term_id)
            .order_by(col(Payment.paid_on), col(Payment.id))
        ).scalars()
    )
