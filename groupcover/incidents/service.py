"""Reporting incidents, claiming costs, completing claims and paying them (seed 004 §3–§6).

The coverage decision is made once, when the incident is reported, from the coverage that
applied on the day it occurred (C1) and exclusions ⑩ ⑪; it is recorded with the incident,
which is kept even when not covered. Payments are checked against the limits of the
coverage-terms version in force on ``occurred_on`` (C3) while the member's coverage period
(its term row) is locked, and every payment adds to the term's ``aggregate_paid`` counter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import audit, clock, crypto, db
from groupcover.coverage_terms.service import limits_on
from groupcover.errors import Conflict, LimitExceeded, NotCovered, NotFound, RuleViolation
from groupcover.incidents.models import CostLine, Incident, Payment
from groupcover.members.service import get_member
from groupcover.rules import costs as cost_rules
from groupcover.rules import limits as limit_rules
from groupcover.rules.coverage import supplier_coverage_period
from groupcover.rules.periods import Span
from groupcover.suppliers.models import Registration
from groupcover.terms.models import Term
from groupcover.terms.service import running_term

_PRIVATE = ("victims_encrypted",)


def _rule_violation(err: cost_rules.CostRuleError) -> RuleViolation:
    extra = {"allowed": list(err.allowed)} if err.allowed else {}
    return RuleViolation(err.message, field=err.field, rule=err.rule, **extra)


# ---- reading -------------------------------------------------------------------------------


def get_incident(session: Session, incident_id: int, member_id: int | None) -> Incident:
    """The incident; 404 when unknown or (``member_id`` given) another member's."""
    incident = session.get(Incident, incident_id)
    if incident is None or (member_id is not None and incident.member_id != member_id):
        raise NotFound("incident", incident_id)
    return incident


def list_incidents_query(
    visible_member_id: int | None, member_id: int | None = None, covered: bool | None = None
) -> Select:
    stmt = select(Incident).order_by(col(Incident.id))
    if visible_member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == visible_member_id)
    if member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == member_id)
    if covered is not None:
        stmt = stmt.where(col(Incident.covered) == covered)
    return stmt


def overdue_query(on: date) -> Select:
    """Claims complete whose ``pay_by`` has passed on ``on`` and on which nothing is paid."""
    pay_by = col(Incident.pay_by)
    return (
        select(Incident)
        .where(pay_by.is_not(None), pay_by < on, col(Incident.paid_yen) == 0)
        .order_by(pay_by, col(Incident.id))
    )


def victims(incident: Incident) -> list[dict[str, str]]:
    """The victims in clear, for the administrator and the incident's member only."""
    return json.loads(crypto.decrypt(incident.victims_encrypted))


def documents_status(incident: Incident) -> list[dict[str, Any]]:
    """The seed 004 §5⑦ checklist (ア–エ) with what was requested and received."""
    return [
        {
            "code": doc.code,
            "name_ja": doc.name_ja,
            "name_en": doc.name_en,
            "requested": bool(incident.documents.get(doc.code, {}).get("requested", False)),
            "received_on": _date_or_none(incident.documents.get(doc.code, {}).get("received_on")),
        }
        for doc in cost_rules.CLAIM_DOCUMENTS
    ]


def _date_or_none(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


# ---- reporting -----------------------------------------------------------------------------


def _insured_period(
    session: Session,
    member_id: int,
    registration: Registration | None,
    term: Term | None,
    on: date,
) -> Span | None:
    """C1: the member's term, or for a supplier its registrations ∩ that term, on ``on``."""
    if term is None:
        return None
    if registration is None:
        return term.rule.period
    spans = [
        r.span
        for r in session.execute(
            select(Registration).where(
                col(Registration.member_id) == member_id,
                col(Registration.domain) == registration.domain,
            )
        ).scalars()
    ]
    return supplier_coverage_period(spans, term.rule, on)


def report_incident(session: Session, values: dict[str, Any], today: date) -> Incident:
    """Record an incident and decide at once whether it is covered (kept either way)."""
    member_id = values["member_id"]
    get_member(session, member_id)
    try:
        cost_rules.check_report_dates(
            values["occurred_on"], values["discovered_on"], today, values.get("known_on")
        )
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    registration = None
    if values.get("registration_id") is not None:
        registration = session.get(Registration, values["registration_id"])
        if registration is None or registration.member_id != member_id:
            raise RuleViolation(
                f"registration {values['registration_id']} is not a registration of member "
                f"{member_id}",
                field="registration_id",
                rule="registration_of_member",
            )
    occurred_on = values["occurred_on"]
    term = running_term(session, member_id, occurred_on)
    period = _insured_period(session, member_id, registration, term, occurred_on)
    decision = cost_rules.coverage_decision(
        occurred_on, values["discovered_on"], period, values.get("known_on")
    )
    incident = Incident(
        member_id=member_id,
        registration_id=values.get("registration_id"),
        term_id=term.id if term is not None else None,
        occurred_on=occurred_on,
        occurred_at=values.get("occurred_at"),
        discovered_on=values["discovered_on"],
        known_on=values.get("known_on"),
        place=values["place"],
        circumstances=values["circumstances"],
        cause=values["cause"],
        attack_occurred=values.get("attack_occurred", False),
        victims_encrypted=crypto.encrypt(json.dumps(values["victims"], ensure_ascii=False)),
        covered=decision.covered,
        reason=decision.reason.value if decision.reason else None,
        reason_text=decision.reason_text,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        documents={},
    )
    session.add(incident)
    session.flush()
    audit.record(
        session,
        "incident.report",
        "incident",
        incident.id,
        after=audit.snapshot(incident, exclude=_PRIVATE),
    )
    return incident


def _locked(session: Session, incident: Incident) -> Incident:
    """The incident re-read under a row lock, so read-modify-write of its totals and checklist
    by concurrent requests never loses an update (PostgreSQL; SQLite writers are serial)."""
    return session.execute(
        db.for_update(
            session, select(Incident).where(col(Incident.id) == incident.id)
        ).execution_options(populate_existing=True)
    ).scalar_one()


def set_attack_occurred(session: Session, incident: Incident, attack_occurred: bool) -> Incident:
    """Record that a suspected attack turned out to be real (or not)."""
    incident = _locked(session, incident)
    before = audit.snapshot(incident, exclude=_PRIVATE)
    incident.attack_occurred = attack_occurred
    _touched(session, incident, "incident.update", before)
    return incident


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


# ---- costs and the claim -------------------------------------------------------------------


def add_cost(session: Session, incident: Incident, values: dict[str, Any], today: date) -> CostLine:
    """A claimed cost, in a category (and item) the incident's cause allows (seed 004 §3)."""
    incident = _locked(session, incident)
    try:
        cost_rules.check_cost_category(
            cost_rules.Cause(incident.cause),
            values["category"],
            values.get("item"),
            incident.attack_occurred,
        )
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    if values["incurred_on"] > today:
        raise RuleViolation(
            f"incurred_on {values['incurred_on']} is after today ({today})",
            field="incurred_on",
            rule="incurred_on_not_future",
        )
    line = CostLine(incident_id=incident.id, **values)  # type: ignore[arg-type]  # stored: has an id
    session.add(line)
    before = audit.snapshot(incident, exclude=_PRIVATE)
    incident.claimed_yen += line.amount_yen
    _touched(session, incident, "incident.cost.add", before)
    audit.record(session, "incident.cost.add", "incident_cost", line.id, after=audit.snapshot(line))
    return line


def costs_query(incident: Incident) -> Select:
    return (
        select(CostLine).where(col(CostLine.incident_id) == incident.id).order_by(col(CostLine.id))
    )


def payments_query(incident: Incident) -> Select:
    return select(Payment).where(col(Payment.incident_id) == incident.id).order_by(col(Payment.id))


def update_documents(
    session: Session, incident: Incident, changes: list[dict[str, Any]], today: date
) -> Incident:
    """Tick the seed 004 §5⑦ checklist: which documents the insurer asked for, and when each
    arrived. Once the claim is complete the checklist is closed."""
    incident = _locked(session, incident)
    if incident.completed_on is not None:
        raise Conflict(
            "the claim is already complete", field="documents", rule="claim_already_complete"
        )
    before = audit.snapshot(incident, exclude=_PRIVATE)
    documents = {code: dict(entry) for code, entry in incident.documents.items()}
    for change in changes:
        entry = documents.setdefault(change["code"], {"requested": False, "received_on": None})
        if "requested" in change:
            entry["requested"] = change["requested"]
        if "received_on" in change:
            received = change["received_on"]
            if received is not None and received > today:
                raise RuleViolation(
                    f"received_on {received} is after today ({today})",
                    field="received_on",
                    rule="received_on_not_future",
                )
            entry["received_on"] = None if received is None else received.isoformat()
    incident.documents = documents
    _touched(session, incident, "incident.documents", before)
    return incident


def complete_claim(
    session: Session,
    incident: Incident,
    completed_on: date,
    today: date,
    extended_pay_by: date | None = None,
    extension_reason: str | None = None,
) -> Incident:
    """The claim is complete (保険金請求の完了); the insurer pays within 30 days (§6①)."""
    incident = _locked(session, incident)
    if incident.completed_on is not None:
        raise Conflict(
            f"the claim was already completed on {incident.completed_on}",
            field="completed_on",
            rule="claim_already_complete",
            completed_on=incident.completed_on.isoformat(),
        )
    if completed_on > today or completed_on < incident.occurred_on:
        raise RuleViolation(
            f"completed_on must lie between occurred_on ({incident.occurred_on}) and "
            f"today ({today})",
            field="completed_on",
            rule="completed_on_in_range",
        )
    requested = {c for c, e in incident.documents.items() if e.get("requested")}
    received = {c for c, e in incident.documents.items() if e.get("received_on")}
    try:
        cost_rules.check_claim_documents(requested, received)
        if extended_pay_by is not None or extension_reason is not None:
            cost_rules.check_pay_by_extension(
                completed_on, extended_pay_by or cost_rules.pay_by(completed_on), extension_reason
            )
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    before = audit.snapshot(incident, exclude=_PRIVATE)
    incident.completed_on = completed_on
    incident.pay_by = extended_pay_by or cost_rules.pay_by(completed_on)
    incident.pay_by_extension_reason = extension_reason
    _touched(session, incident, "incident.claim_complete", before)
    return incident


# ---- payments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    per_incident_remaining: int
    aggregate_remaining: int


def record_payment(
    session: Session, incident_id: int, amount_yen: int, paid_on: date, today: date
) -> PaymentResult:
    """Pay on a covered incident within rule C3, under a lock on the member's term row.

    The term row is locked first (``SELECT … FOR UPDATE``; SQLite write transactions are
    already ``BEGIN IMMEDIATE``), then the incident is read again, so two payments of the
    same member's coverage period never both pass a check made on stale totals.
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
    term = session.execute(
        db.for_update(
            session, select(Term).where(col(Term.id) == incident.term_id)
        ).execution_options(populate_existing=True)
    ).scalar_one()
    session.refresh(incident)
    limits = limits_on(session, incident.occurred_on)
    headroom = limit_rules.payment_headroom(limits, incident.paid_yen, term.aggregate_paid)
    passed = limit_rules.limit_passed(amount_yen, headroom)
    if passed is not None:
        raise LimitExceeded(amount_yen, passed, limits, headroom)
    payment = Payment(
        incident_id=incident.id,  # type: ignore[arg-type]  # stored: has an id
        term_id=term.id,
        amount_yen=amount_yen,
        paid_on=paid_on,
    )
    session.add(payment)
    incident.paid_yen += amount_yen
    incident.updated_at = clock.now()
    term.aggregate_paid += amount_yen
    session.flush()
    audit.record(
        session, "incident.payment", "incident_payment", payment.id, after=audit.snapshot(payment)
    )
    left = limit_rules.payment_headroom(limits, incident.paid_yen, term.aggregate_paid)
    return PaymentResult(payment, left.per_incident_remaining, left.aggregate_remaining)
