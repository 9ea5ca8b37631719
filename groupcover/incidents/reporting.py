"""Reporting an incident (seed 004 §3) and amending the report: a suspected attack
confirmed, the victims list replaced.

The coverage answer (C1 and exclusions ⑩ ⑪) is given once, when the incident is reported,
and recorded with the incident, which is kept even when not covered.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from groupcover import audit, crypto
from groupcover.errors import RuleViolation
from groupcover.incidents.common import _PRIVATE, _event, _locked, _rule_violation, _touched
from groupcover.incidents.models import Incident
from groupcover.members.service import get_member
from groupcover.rules import claims as claim_rules
from groupcover.rules import costs as cost_rules
from groupcover.rules.coverage import supplier_coverage_period
from groupcover.rules.periods import Span
from groupcover.suppliers.models import Registration
from groupcover.terms.models import Term
from groupcover.terms.service import running_term


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
    a gap (:func:`groupcover.rules.claims.continuous_since`).
    """
    member_id = values["member_id"]
    get_member(session, member_id)
    try:
        claim_rules.check_report_dates(
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
        continuous_from = claim_rules.continuous_since(chain, period.start)
    decision = claim_rules.coverage_decision(
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
        status=claim_rules.Status.REPORTED.value,
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
