"""The claim on a reported incident (seed 004 §3–§6): claimed cost lines, approvals, the
insurer's decision, §5 deductions, the §5⑦ documents checklist and the claim's completion
with its ``pay_by`` (and any extension letter).

The insurer's decision (accepted, or declined under a §4 exclusion) comes after the report;
nothing is approved, deducted or paid on a declined incident. Every change appends a dated
event to the incident's timeline.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from groupcover import audit
from groupcover.errors import Conflict, NotFound, RuleViolation
from groupcover.incidents import letters
from groupcover.incidents.common import (
    _PRIVATE,
    _event,
    _locked,
    _refresh_status,
    _rule_violation,
    _stored,
    _touched,
)
from groupcover.incidents.models import CostLine, Deduction, Incident
from groupcover.incidents.reading import costs_query
from groupcover.rules import claims as claim_rules
from groupcover.rules import costs as cost_rules


def add_cost(session: Session, incident: Incident, values: dict[str, Any], today: date) -> CostLine:
    """A claimed cost in a group and category the seed 004 §3 table allows for the cause.

    An individual condolence (個人見舞費用) may be given as ``persons`` × ``unit_yen``; the
    amount is then their product (and must equal ``amount_yen`` when both are given).
    """
    incident = _locked(session, incident)
    values = dict(values)
    group = values.pop("group", None) or cost_rules.CAUSE_GROUP[cost_rules.Cause(incident.cause)]
    try:
        cost_rules.check_cost_line(
            cost_rules.Cause(incident.cause),
            group,
            values["category"],
            values.get("item"),
            incident.confirmed_on is not None,
        )
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    _per_person(values)
    if values["incurred_on"] > today:
        raise RuleViolation(
            f"incurred_on {values['incurred_on']} is after today ({today})",
            field="incurred_on",
            rule="incurred_on_not_future",
        )
    line = CostLine(incident_id=_stored(incident.id), group=str(group), **values)
    session.add(line)
    before = audit.snapshot(incident, exclude=_PRIVATE)
    incident.claimed_yen += line.amount_yen
    session.flush()
    _event(
        session,
        incident,
        "cost",
        on=line.incurred_on,
        amount_yen=line.amount_yen,
        detail={"cost_id": line.id, "group": line.group, "category": line.category},
    )
    _touched(session, incident, "incident.cost.add", before)
    audit.record(session, "incident.cost.add", "incident_cost", line.id, after=audit.snapshot(line))
    return line


def _per_person(values: dict[str, Any]) -> None:
    persons, unit = values.get("persons"), values.get("unit_yen")
    if persons is None and unit is None:
        if values.get("amount_yen") is None:
            raise RuleViolation(
                "amount_yen is required (or persons and unit_yen for an individual condolence)",
                field="amount_yen",
                rule="amount_required",
            )
        return
    if values["category"] != cost_rules.Category.INDIVIDUAL_CONDOLENCE:
        raise RuleViolation(
            "persons × unit_yen is for individual_condolence (個人見舞費用) lines only",
            field="persons",
            rule="per_person_condolence_only",
        )
    if persons is None or unit is None:
        raise RuleViolation(
            "persons and unit_yen go together", field="persons", rule="per_person_both"
        )
    amount = cost_rules.condolence_amount(persons, unit)
    if values.get("amount_yen") not in (None, amount):
        raise RuleViolation(
            f"amount_yen must equal persons × unit_yen (¥{amount:,})",
            field="amount_yen",
            rule="per_person_amount",
        )
    if amount > MAX_YEN:
        raise RuleViolation(
            f"persons × unit_yen is above ¥{MAX_YEN:,}", field="unit_yen", rule="money_max"
        )
    values["amount_yen"] = amount


MAX_YEN = 100_000_000_000
"""Money above ¥100,000,000,000 (1000億円) is refused as absurd (API.md)."""


def _line(session: Session, incident: Incident, cost_id: int) -> CostLine:
    line = session.get(CostLine, cost_id)
    if line is None or line.incident_id != incident.id:
        raise NotFound("cost line", cost_id)
    return line


def _not_declined(incident: Incident, field: str) -> None:
    if incident.decision == claim_rules.Decision.DECLINED:
        raise Conflict(
            f"incident {incident.id} was declined (exclusion {incident.exclusion}): nothing can "
            "be approved, deducted or paid",
            field=field,
            rule="incident_declined",
        )


def set_approved(
    session: Session, incident: Incident, cost_id: int, approved_yen: int, today: date
) -> CostLine:
    """Approve an amount of one line (0 ≤ approved ≤ claimed); lowered only while approved
    less deductions stays at or above what is already paid."""
    incident = _locked(session, incident)
    line = _line(session, incident, cost_id)
    _not_declined(incident, "approved_yen")
    try:
        cost_rules.check_approved(approved_yen, line.amount_yen)
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    new_total = incident.approved_yen - (line.approved_yen or 0) + approved_yen
    if new_total - incident.deducted_yen < incident.paid_yen:
        floor = incident.paid_yen + incident.deducted_yen - (new_total - approved_yen)
        raise Conflict(
            f"approved less deductions would fall to ¥{new_total - incident.deducted_yen:,}, "
            f"below the ¥{incident.paid_yen:,} already paid; this line cannot go below "
            f"¥{floor:,} unless a payment is reversed",
            field="approved_yen",
            rule="approved_below_paid",
            paid_yen=incident.paid_yen,
            lowest_allowed=floor,
        )
    before = audit.snapshot(incident, exclude=_PRIVATE)
    line_before = audit.snapshot(line)
    line.approved_yen = approved_yen
    incident.approved_yen = new_total
    _refresh_status(session, incident)
    _event(
        session,
        incident,
        "approval",
        on=today,
        amount_yen=approved_yen,
        detail={"cost_id": line.id, "claimed_yen": line.amount_yen, "approved_yen": approved_yen},
    )
    _touched(session, incident, "incident.cost.approve", before)
    audit.record(
        session,
        "incident.cost.approve",
        "incident_cost",
        line.id,
        before=line_before,
        after=audit.snapshot(line),
    )
    return line


def decide(
    session: Session,
    incident: Incident,
    decision: str,
    exclusion: str | None,
    note: str | None,
    today: date,
) -> Incident:
    """The insurer's decision: accepted (every line not yet approved is approved at its
    claimed amount), or declined under a §4 exclusion (nothing can then be paid).

    Repeating the decision changes nothing; a different decision is recorded while nothing is
    paid (a reconsideration), never once a payment stands.
    """
    incident = _locked(session, incident)
    try:
        claim_rules.check_decision(decision, exclusion)
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    if incident.decision == decision and incident.exclusion == exclusion:
        return incident
    if incident.decision is not None and incident.paid_yen > 0:
        raise Conflict(
            f"incident {incident.id} was {incident.decision} on {incident.decided_on} and "
            f"¥{incident.paid_yen:,} is paid; reverse the payments before changing the decision",
            field="decision",
            rule="decision_after_payment",
            decision=incident.decision,
        )
    if decision == claim_rules.Decision.ACCEPTED and not incident.covered:
        raise RuleViolation(
            f"incident {incident.id} is not covered ({incident.reason}); it can only be declined",
            field="decision",
            rule="accept_covered_incident_only",
        )
    before = audit.snapshot(incident, exclude=_PRIVATE)
    if decision == claim_rules.Decision.ACCEPTED:
        for line in session.execute(
            costs_query(incident).where(col(CostLine.approved_yen).is_(None))
        ).scalars():
            line.approved_yen = line.amount_yen
        session.flush()
        incident.approved_yen = int(  # PostgreSQL sums BIGINT as NUMERIC
            session.execute(
                select(func.coalesce(func.sum(CostLine.approved_yen), 0)).where(
                    col(CostLine.incident_id) == incident.id
                )
            ).scalar_one()
        )
    incident.decision = decision
    incident.exclusion = exclusion
    incident.decided_on = today
    incident.decision_note = note
    _refresh_status(session, incident)
    _event(
        session,
        incident,
        "decision",
        on=today,
        amount_yen=incident.approved_yen if decision == claim_rules.Decision.ACCEPTED else None,
        detail={"decision": decision, "exclusion": exclusion},
        note=note,
    )
    _touched(session, incident, "incident.decision", before)
    return incident


def add_deduction(
    session: Session, incident: Incident, amount_yen: int, duty: str, reason: str, today: date
) -> Deduction:
    """A §5 reduction (保険金の一部を差し引いて支払われる場合) for a duty not kept without good
    reason; it cannot take approved less deductions below what is already paid."""
    incident = _locked(session, incident)
    _not_declined(incident, "amount_yen")
    if incident.decision != claim_rules.Decision.ACCEPTED:
        raise RuleViolation(
            f"incident {incident.id} is not accepted yet: deductions come off approved amounts",
            field="amount_yen",
            rule="deduction_on_accepted_incident_only",
        )
    outstanding = incident.approved_yen - incident.deducted_yen - incident.paid_yen
    if amount_yen > outstanding:
        raise Conflict(
            f"a deduction of ¥{amount_yen:,} is more than the ¥{max(outstanding, 0):,} approved "
            "and not yet paid",
            field="amount_yen",
            rule="deduction_exceeds_outstanding",
            outstanding_yen=max(outstanding, 0),
        )
    before = audit.snapshot(incident, exclude=_PRIVATE)
    deduction = Deduction(
        incident_id=_stored(incident.id), amount_yen=amount_yen, duty=duty, reason=reason
    )
    session.add(deduction)
    incident.deducted_yen += amount_yen
    _refresh_status(session, incident)
    session.flush()
    _event(
        session,
        incident,
        "deduction",
        on=today,
        amount_yen=amount_yen,
        detail={"deduction_id": deduction.id, "duty": duty, "reason": reason},
    )
    _touched(session, incident, "incident.deduction", before)
    return deduction


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
    _event(session, incident, "documents", on=today, detail={"documents": documents})
    _touched(session, incident, "incident.documents", before)
    return incident


def complete_claim(
    session: Session,
    incident: Incident,
    completed_on: date,
    today: date,
    extended_pay_by: date | None = None,
    extension_reason: str | None = None,
    extension_detail: str | None = None,
) -> Incident:
    """The claim is complete (保険金請求の完了); the insurer pays within 30 days counted with
    the completion day as day 1 (§6①): ``pay_by`` = ``completed_on`` + 29.

    A later ``extended_pay_by`` needs one of the extension reasons and queues a
    ``payment_extension`` letter to the member (what must be confirmed, and by when). An
    extension may also come after completion: the same ``completed_on`` with a later date.
    """
    incident = _locked(session, incident)
    extending = extended_pay_by is not None or extension_reason is not None
    if incident.completed_on is not None and not (
        extending and completed_on == incident.completed_on
    ):
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
        claim_rules.check_claim_documents(requested, received)
        if extending:
            claim_rules.check_pay_by_extension(completed_on, extended_pay_by, extension_reason)
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    current = incident.pay_by
    if current is not None and extended_pay_by is not None and extended_pay_by <= current:
        raise Conflict(
            f"extended_pay_by must be after the current pay_by {current}",
            field="extended_pay_by",
            rule="extension_after_current",
            pay_by=current.isoformat(),
        )
    before = audit.snapshot(incident, exclude=_PRIVATE)
    first = incident.completed_on is None
    incident.completed_on = completed_on
    incident.pay_by = extended_pay_by or claim_rules.pay_by(completed_on)
    if extending:
        incident.pay_by_extension_reason = extension_reason
        incident.extension_detail = extension_detail
    _refresh_status(session, incident)
    if first:
        _event(
            session,
            incident,
            "claim_complete",
            on=completed_on,
            detail={"pay_by": claim_rules.pay_by(completed_on).isoformat()},
        )
    if extending:
        _event(
            session,
            incident,
            "pay_by_extended",
            on=today,
            detail={
                "pay_by": incident.pay_by.isoformat(),
                "extension_reason": extension_reason,
                "extension_detail": extension_detail,
            },
        )
        _send_extension_letter(session, incident, today)
    _touched(session, incident, "incident.claim_complete", before)
    return incident


def _send_extension_letter(session: Session, incident: Incident, today: date) -> None:
    letters.payment_extension(session, incident, today)
