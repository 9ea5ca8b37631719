"""Reporting incidents, claiming costs, deciding, approving, deducting, completing claims,
paying and reversing payments (seed 004 §3–§6).

The coverage answer (C1 and exclusions ⑩ ⑪) is given once, when the incident is reported,
and recorded with the incident, which is kept even when not covered. The insurer's decision
(accepted, or declined under a §4 exclusion) comes later; only an accepted incident is paid,
never beyond approved − deductions, the per-incident limit of the coverage-terms version in
force on ``occurred_on``, or the member's aggregate for that coverage period (C3). Payments and
reversals lock the member's coverage period (its term row) and keep its ``aggregate_paid``
counter; every change appends a dated event to the incident's timeline.

Every function takes a session and plain values and returns rows or plain dicts, so the API
and the console render the same answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import audit, clock, crypto, db
from groupcover.coverage_terms.service import limits_on
from groupcover.errors import Conflict, LimitExceeded, NotCovered, NotFound, RuleViolation
from groupcover.incidents import letters
from groupcover.incidents.models import CostLine, Deduction, Event, Incident, Payment
from groupcover.members.service import get_member
from groupcover.rules import costs as cost_rules
from groupcover.rules import limits as limit_rules
from groupcover.rules.coverage import supplier_coverage_period
from groupcover.rules.periods import Span
from groupcover.suppliers.models import Registration
from groupcover.terms.models import Term
from groupcover.terms.service import running_term

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


# ---- reading -------------------------------------------------------------------------------


def get_incident(session: Session, incident_id: int, member_id: int | None) -> Incident:
    """The incident; 404 when unknown or (``member_id`` given) another member's."""
    incident = session.get(Incident, incident_id)
    if incident is None or (member_id is not None and incident.member_id != member_id):
        raise NotFound("incident", incident_id)
    return incident


def list_incidents_query(
    visible_member_id: int | None,
    member_id: int | None = None,
    covered: bool | None = None,
    status: str | None = None,
) -> Select:
    stmt = select(Incident).order_by(col(Incident.id))
    if visible_member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == visible_member_id)
    if member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == member_id)
    if covered is not None:
        stmt = stmt.where(col(Incident.covered) == covered)
    if status is not None:
        stmt = stmt.where(col(Incident.status) == status)
    return stmt


def overdue_query(on: date) -> Select:
    """Claims whose ``pay_by`` (extended or not) has passed on ``on`` and that are neither
    paid in full nor declined."""
    return (
        select(Incident)
        .where(
            col(Incident.pay_by).is_not(None),
            col(Incident.pay_by) < on,
            col(Incident.status).not_in(
                [cost_rules.Status.PAID.value, cost_rules.Status.DECLINED.value]
            ),
        )
        .order_by(col(Incident.pay_by), col(Incident.id))
    )


def victims(incident: Incident) -> list[dict[str, str]]:
    """The victims in clear, for the administrator and the incident's member only."""
    return json.loads(crypto.decrypt(incident.victims_encrypted))


def victims_count(incident: Incident) -> int:
    """How many victims are recorded (counted from the ciphertext for rows migrated without
    the key at hand)."""
    if incident.victims_count is None:
        return len(victims(incident))
    return incident.victims_count


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


def costs_query(incident: Incident) -> Select:
    return (
        select(CostLine).where(col(CostLine.incident_id) == incident.id).order_by(col(CostLine.id))
    )


def payments_query(incident: Incident) -> Select:
    return select(Payment).where(col(Payment.incident_id) == incident.id).order_by(col(Payment.id))


def deductions_query(incident: Incident) -> Select:
    return (
        select(Deduction)
        .where(col(Deduction.incident_id) == incident.id)
        .order_by(col(Deduction.id))
    )


def cost_view(line: CostLine) -> dict[str, Any]:
    """A cost line with its group's and category's names and the approval notes."""
    return {
        **line.model_dump(),
        "group_name_ja": cost_rules.GROUP_NAMES_JA[cost_rules.Group(line.group)],
        "category_name_ja": cost_rules.CATEGORY_NAMES_JA[cost_rules.Category(line.category)],
        "approval_notes": [
            {"code": n.code, "ja": n.ja, "en": n.en}
            for n in cost_rules.approval_notes(cost_rules.Category(line.category))
        ],
    }


def claim_view(session: Session, incident: Incident, internal: bool) -> dict[str, Any]:
    """Everything the console shows of one claim, as plain values: the incident with its
    status and totals, its cost lines by group (claimed, approved, paid as allocated in line
    order), deductions, payments and the timeline. ``internal`` adds the decision note and the
    timeline's internal notes (administrators only)."""
    lines = list(session.execute(costs_query(incident)).scalars())
    allocated = limit_rules.allocate_paid(
        incident.paid_yen, [line.approved_yen or 0 for line in lines]
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for line, paid in zip(lines, allocated, strict=True):
        groups.setdefault(line.group, []).append({**cost_view(line), "paid_yen": paid})
    view = incident_view(incident, internal)
    view.update(
        groups=[
            {
                "group": g.value,
                "name_ja": cost_rules.GROUP_NAMES_JA[g],
                "lines": groups[g.value],
                "claimed_yen": sum(line["amount_yen"] for line in groups[g.value]),
                "approved_yen": sum(line["approved_yen"] or 0 for line in groups[g.value]),
            }
            for g in cost_rules.Group
            if g.value in groups
        ],
        deductions=[d.model_dump() for d in session.execute(deductions_query(incident)).scalars()],
        payments=[p.model_dump() for p in session.execute(payments_query(incident)).scalars()],
        timeline=timeline(session, incident, internal),
    )
    return view


def incident_view(incident: Incident, internal: bool) -> dict[str, Any]:
    """The incident as plain values (no victims), with its count of victims, the decision
    and, for an administrator, the internal decision note."""
    exclude = {"victims_encrypted", "documents"} | (set() if internal else {"decision_note"})
    view = incident.model_dump(exclude=exclude)
    view["victims_count"] = victims_count(incident)
    view["exclusion_name_ja"] = cost_rules.EXCLUSIONS.get(incident.exclusion or "")
    view["outstanding_yen"] = max(
        incident.approved_yen - incident.deducted_yen - incident.paid_yen, 0
    )
    return view


def timeline(session: Session, incident: Incident, internal: bool) -> list[dict[str, Any]]:
    """Every dated event of the incident in the order it was recorded, with who caused it;
    internal notes only when ``internal``."""
    events = session.execute(
        select(Event)
        .where(col(Event.incident_id) == incident.id)
        .order_by(col(Event.at), col(Event.id))
    ).scalars()
    return [e.model_dump(exclude=set() if internal else {"note"}) for e in events]


def timeline_query(incident: Incident) -> Select:
    return (
        select(Event)
        .where(col(Event.incident_id) == incident.id)
        .order_by(col(Event.at), col(Event.id))
    )


# ---- events ----------------------------------------------------------------------------------


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


# ---- reporting -----------------------------------------------------------------------------


def _insured_spans(
    session: Session, member_id: int, registration: Registration | None
) -> tuple[list[Span], list[Span]]:
    """The member's term periods, and (for a supplier) its registration spans."""
    terms = [
        t.rule.period
        for t in session.execute(select(Term).where(col(Term.member_id) == member_id)).scalars()
    ]
    if registration is None:
        return terms, []
    registrations = [
        r.span
        for r in session.execute(
            select(Registration).where(
                col(Registration.member_id) == member_id,
                col(Registration.domain) == registration.domain,
            )
        ).scalars()
    ]
    return terms, registrations


def _insured_period(
    registration: Registration | None, registrations: list[Span], term: Term | None, on: date
) -> Span | None:
    """C1: the member's term, or for a supplier its registrations ∩ that term, on ``on``."""
    if term is None:
        return None
    if registration is None:
        return term.rule.period
    return supplier_coverage_period(registrations, term.rule, on)


def _chain_spans(terms: list[Span], registrations: list[Span], supplier: bool) -> list[Span]:
    """The insured's coverage spans: the member's terms, or each registration ∩ each term."""
    if not supplier:
        return terms
    spans = []
    for term in terms:
        for reg in registrations:
            both = term.intersect(reg)
            if both is not None:
                spans.append(both)
    return spans


def report_incident(session: Session, values: dict[str, Any], today: date) -> Incident:
    """Record an incident and decide at once whether it is covered (kept either way).

    Exclusions ⑩ ⑪ count from the first day of the chain of coverage periods renewed without
    a gap (:func:`groupcover.rules.costs.continuous_since`).
    """
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
    terms, registrations = _insured_spans(session, member_id, registration)
    period = _insured_period(registration, registrations, term, occurred_on)
    continuous_from = None
    if period is not None:
        chain = _chain_spans(terms, registrations, registration is not None)
        continuous_from = cost_rules.continuous_since(chain, period.start)
    decision = cost_rules.coverage_decision(
        occurred_on, values["discovered_on"], period, values.get("known_on"), continuous_from
    )
    victim_list = values.get("victims", [])
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
        victims_encrypted=crypto.encrypt(json.dumps(victim_list, ensure_ascii=False)),
        victims_count=len(victim_list),
        covered=decision.covered,
        reason=decision.reason.value if decision.reason else None,
        reason_text=decision.reason_text,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        documents={},
        status=cost_rules.Status.REPORTED.value,
    )
    session.add(incident)
    session.flush()
    _event(
        session,
        incident,
        "reported",
        on=occurred_on,
        detail={
            "cause": incident.cause,
            "covered": incident.covered,
            "reason": incident.reason,
            "continuous_from": None if continuous_from is None else continuous_from.isoformat(),
        },
    )
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
    if incident.decision == cost_rules.Decision.ACCEPTED:
        payable = limit_rules.payable_total(
            limits_on(session, incident.occurred_on), incident.approved_yen, incident.deducted_yen
        )
    incident.status = cost_rules.claim_status(
        incident.decision, incident.completed_on is not None, payable, incident.paid_yen
    ).value


def confirm_attack(session: Session, incident: Incident, cause: str, today: date) -> Incident:
    """A suspected attack (②イのおそれ) turned out real: the same incident, now an attack (②イ).

    Its suspected-attack lines stay; group ``other`` opens; new suspected-attack
    incident-response lines (エ, シ, ス) are refused from then on.
    """
    incident = _locked(session, incident)
    try:
        cost_rules.check_confirm_attack(cost_rules.Cause(incident.cause), cause)
    except cost_rules.CostRuleError as err:
        raise _rule_violation(err) from err
    before = audit.snapshot(incident, exclude=_PRIVATE)
    incident.cause = cost_rules.Cause.ATTACK.value
    incident.confirmed_on = today
    _event(session, incident, "attack_confirmed", on=today, detail={"cause": incident.cause})
    _touched(session, incident, "incident.confirm_attack", before)
    return incident


# ---- costs, approvals, decisions, deductions --------------------------------------------------


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
    if incident.decision == cost_rules.Decision.DECLINED:
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
        cost_rules.check_decision(decision, exclusion)
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
    if decision == cost_rules.Decision.ACCEPTED and not incident.covered:
        raise RuleViolation(
            f"incident {incident.id} is not covered ({incident.reason}); it can only be declined",
            field="decision",
            rule="accept_covered_incident_only",
        )
    before = audit.snapshot(incident, exclude=_PRIVATE)
    if decision == cost_rules.Decision.ACCEPTED:
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
        amount_yen=incident.approved_yen if decision == cost_rules.Decision.ACCEPTED else None,
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
    if incident.decision != cost_rules.Decision.ACCEPTED:
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


# ---- the claim -------------------------------------------------------------------------------


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
        cost_rules.check_claim_documents(requested, received)
        if extending:
            cost_rules.check_pay_by_extension(completed_on, extended_pay_by, extension_reason)
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
    incident.pay_by = extended_pay_by or cost_rules.pay_by(completed_on)
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
            detail={"pay_by": cost_rules.pay_by(completed_on).isoformat()},
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


# ---- payments ------------------------------------------------------------------------------


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
    if incident.decision != cost_rules.Decision.ACCEPTED:
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


# ---- victims ---------------------------------------------------------------------------------


def replace_victims(
    session: Session, incident: Incident, rows: list[dict[str, str]], today: date
) -> Incident:
    """Replace the victims list (被害者の住所・氏名, §5①ア); stored encrypted, counted."""
    incident = _locked(session, incident)
    before = audit.snapshot(incident, exclude=_PRIVATE)
    incident.victims_encrypted = crypto.encrypt(json.dumps(rows, ensure_ascii=False))
    incident.victims_count = len(rows)
    _event(session, incident, "victims", on=today, detail={"victims_count": len(rows)})
    _touched(session, incident, "incident.victims", before)
    return incident


def open_incidents_query(visible_member_id: int | None = None) -> Select[tuple[Incident]]:
    """Incidents whose claim is not complete yet (the ones someone is still working on)."""
    stmt = (
        select(Incident)
        .where(col(Incident.completed_on).is_(None))
        .order_by(col(Incident.id).desc())
    )
    if visible_member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == visible_member_id)
    return stmt


def term_payments(session: Session, term_id: int) -> list[Payment]:
    """Every payment counted against one coverage period (term), oldest first."""
    return list(
        session.execute(
            select(Payment)
            .where(col(Payment.term_id) == term_id)
            .order_by(col(Payment.paid_on), col(Payment.id))
        ).scalars()
    )
