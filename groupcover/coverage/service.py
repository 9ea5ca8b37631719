"""Answers "is this supplier covered on this date, under which member, with how much left".

The SQL narrows the rows (registrations of the domain counting that day, joined with the
member's term running that day); the rules in ``groupcover.rules.coverage`` decide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from groupcover.coverage.models import CoverageTerms
from groupcover.members.models import Member
from groupcover.members.service import get_member
from groupcover.rules.coverage import member_coverage_period, supplier_coverage_period
from groupcover.rules.limits import (
    AGGREGATE_LIMIT_YEN,
    PER_INCIDENT_LIMIT_YEN,
    Limits,
    aggregate_remaining,
)
from groupcover.suppliers.models import Registration
from groupcover.suppliers.service import active_on
from groupcover.terms.models import Term

INITIAL_TERMS = {
    "effective_date": date(2000, 1, 1),
    "per_incident_limit": PER_INCIDENT_LIMIT_YEN,
    "aggregate_limit": AGGREGATE_LIMIT_YEN,
    "summary_ja": "補償内容（当初）: 1事故につき300万円、補償期間中の累計1,000万円。",
    "summary_en": "Initial coverage terms: ¥3,000,000 per incident, "
                  "¥10,000,000 in aggregate per coverage period.",
}


def ensure_initial_terms(session: Session) -> None:
    """The program starts with one coverage-terms version (also created by migration 0001)."""
    if session.execute(select(CoverageTerms.id).limit(1)).first() is None:
        session.add(CoverageTerms(**INITIAL_TERMS))
        session.flush()


def terms_in_force(session: Session, on: date) -> CoverageTerms:
    """The coverage-terms version in force on ``on``: the latest effective on or before it."""
    version = session.execute(
        select(CoverageTerms).where(CoverageTerms.effective_date <= on)
        .order_by(CoverageTerms.effective_date.desc()).limit(1)
    ).scalar_one_or_none()
    if version is None:
        version = session.execute(
            select(CoverageTerms).order_by(CoverageTerms.effective_date).limit(1)
        ).scalar_one()
    return version


def limits_on(session: Session, on: date) -> Limits:
    version = terms_in_force(session, on)
    return Limits(version.per_incident_limit, version.aggregate_limit)


def _term_running(on: date):
    """SQL filter: the term's coverage period (start..min(end, last_day)) contains ``on``."""
    return [Term.start_date <= on, func.coalesce(Term.last_day, Term.end_date) >= on]


@dataclass(frozen=True, slots=True)
class SupplierCoverage:
    member_id: int
    member_name: str
    registration_id: int
    period_start: date
    period_end: date | None
    per_incident_limit: int
    aggregate_limit: int
    aggregate_remaining: int


def supplier_coverage(session: Session, domain: str, on: date,
                      member_id: int | None = None) -> list[SupplierCoverage]:
    """C1 + C2: one entry per member under which ``domain`` is insured on ``on``."""
    stmt = active_on(
        select(Registration, Term, Member.name)
        .join(Term, Term.member_id == Registration.member_id)
        .join(Member, Member.id == Registration.member_id)
        .where(Registration.domain == domain, *_term_running(on)),
        on,
    ).order_by(Registration.member_id, Registration.registered_on, Registration.id)
    if member_id is not None:
        stmt = stmt.where(Registration.member_id == member_id)
    by_member: dict[int, list] = defaultdict(list)
    for reg, term, name in session.execute(stmt):
        by_member[reg.member_id].append((reg, term, name))
    if not by_member:
        return []
    limits = limits_on(session, on)
    result = []
    for rows in by_member.values():
        first, term, name = rows[0]
        period = supplier_coverage_period([r.span for r, _, _ in rows], term.rule, on)
        if period is None:
            continue
        result.append(SupplierCoverage(
            member_id=first.member_id, member_name=name, registration_id=first.id,
            period_start=period.start, period_end=period.end,
            per_incident_limit=limits.per_incident, aggregate_limit=limits.aggregate,
            aggregate_remaining=aggregate_remaining(limits, term.aggregate_paid),
        ))
    return result


def member_coverage(session: Session, member_id: int, on: date) -> dict:
    """C1 for the member itself, the limits in force (C3) and how many suppliers it covers."""
    get_member(session, member_id)
    terms = {t.id: t for t in session.execute(
        select(Term).where(Term.member_id == member_id, *_term_running(on))
    ).scalars()}
    running = member_coverage_period([t.rule for t in terms.values()], on)
    term = terms[running.id] if running else None
    limits = limits_on(session, on)
    answer = {
        "member_id": member_id, "on": on, "covered": term is not None,
        "per_incident_limit": limits.per_incident, "aggregate_limit": limits.aggregate,
        "term_id": None, "period_start": None, "period_end": None,
        "aggregate_paid": 0, "aggregate_remaining": 0, "suppliers_covered": 0,
    }
    if term is None:
        return answer
    suppliers = session.execute(
        active_on(select(func.count(distinct(Registration.domain)))
                  .where(Registration.member_id == member_id), on)
    ).scalar_one()
    answer.update(
        term_id=term.id, period_start=term.start_date, period_end=term.period_end,
        aggregate_paid=term.aggregate_paid,
        aggregate_remaining=aggregate_remaining(limits, term.aggregate_paid),
        suppliers_covered=suppliers,
    )
    return answer


def terms_versions_query():
    return select(CoverageTerms).order_by(CoverageTerms.effective_date)

