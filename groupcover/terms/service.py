"""Terms of a member: enrolment without overlap (C1) and cancellation.

Creating a term also hands it to the notices: callers use ``groupcover.terms.flows``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from groupcover import audit, clock, db
from groupcover.errors import LastDayOutsideTerm, NotFound, TermEndsBeforeStart, TermsOverlap
from groupcover.members.models import Member
from groupcover.rules.coverage import Term as TermRule
from groupcover.rules.coverage import member_coverage_period, terms_overlap
from groupcover.rules.periods import Span
from groupcover.terms.models import Term


def lock_member(session: Session, member_id: int) -> Member:
    """Serialise writes that check a member's terms (overlap) across requests and hosts."""
    member = session.execute(
        db.for_update(session, select(Member).where(col(Member.id) == member_id))
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("member", member_id)
    return member


def terms_query(member_id: int) -> Select[tuple[Term]]:
    """A member's terms, oldest first."""
    return select(Term).where(col(Term.member_id) == member_id).order_by(col(Term.start_date))


def member_terms(session: Session, member_id: int) -> list[Term]:
    return list(session.execute(terms_query(member_id)).scalars())


def running_on(on: date | ColumnElement[date]) -> list[ColumnElement[bool]]:
    """SQL filter: the term's coverage period (start..period_end) contains ``on``."""
    return [col(Term.start_date) <= on, Term.period_end >= on]


def running_term(session: Session, member_id: int, on: date) -> Term | None:
    """C1: the member's term whose coverage period contains ``on``, if any."""
    terms = {
        t.id: t
        for t in session.execute(
            select(Term).where(col(Term.member_id) == member_id, *running_on(on))
        ).scalars()
    }
    found = member_coverage_period([t.rule for t in terms.values()], on)
    return None if found is None else terms[found.id]


def get_term(session: Session, member_id: int, term_id: int) -> Term:
    term = session.get(Term, term_id)
    if term is None or term.member_id != member_id:
        raise NotFound("term", term_id)
    return term


def check_term_dates(start_date: date, end_date: date) -> None:
    """Both days inclusive: a term may be one day long, never shorter."""
    if end_date < start_date:
        raise TermEndsBeforeStart()


def check_no_overlap(new: Span, others: Iterable[TermRule]) -> None:
    """C1: two terms of one member never share a day (a renewal starts the day after)."""
    for other in others:
        if terms_overlap(new, other.period):
            raise TermsOverlap(other.id, other.start_date, other.period_end)


def add_term(session: Session, member_id: int, start_date: date, end_date: date) -> Term:
    """Store a subscription term; both days inclusive, no overlap with the member's others.

    Only the term: ``groupcover.terms.flows.create_term`` also creates the notices it owes.
    """
    check_term_dates(start_date, end_date)
    lock_member(session, member_id)
    check_no_overlap(Span(start_date, end_date), [t.rule for t in member_terms(session, member_id)])
    term = Term(member_id=member_id, start_date=start_date, end_date=end_date)
    session.add(term)
    session.flush()
    audit.record(session, "term.create", "term", term.id, after=audit.snapshot(term))
    return term


def cancel_term(session: Session, member_id: int, term_id: int, last_day: date) -> Term:
    """End a term (and every coverage under it) after ``last_day``, which lies inside it."""
    lock_member(session, member_id)
    term = get_term(session, member_id, term_id)
    current = term.rule.period
    if not current.contains(last_day):
        raise LastDayOutsideTerm(current.start, current.end)
    before = audit.snapshot(term)
    term.last_day = last_day
    term.cancelled_at = clock.now()
    session.flush()
    audit.record(session, "term.cancel", "term", term.id, before=before, after=audit.snapshot(term))
    return term


def expiring_query(today: date, within: int) -> Select:
    """Renewals to chase: terms ending today..today+``within`` days that no later term of the
    member follows. A cancelled term was ended on purpose and is not a renewal to chase."""
    later = aliased(Term)
    followed = (
        select(col(later.id))
        .where(
            col(later.member_id) == col(Term.member_id),
            col(later.start_date) > col(Term.start_date),
        )
        .exists()
    )
    return (
        select(Term, col(Member.name))
        .join(Member, col(Member.id) == col(Term.member_id))
        .where(
            col(Term.last_day).is_(None),
            col(Term.end_date) >= today,
            col(Term.end_date) <= today + timedelta(days=within),
            ~followed,
        )
        .order_by(col(Term.end_date), col(Term.id))
    )


def expiring(session: Session, today: date, within: int = 60) -> list[dict]:
    """``expiring_query`` as plain rows (the console's dashboard shows them too)."""
    return [
        expiring_row(term, name, today)
        for term, name in session.execute(expiring_query(today, within))
    ]


def expiring_row(term: Term, member_name: str, today: date) -> dict:
    """One renewal to chase: the term, its member's name and the days left (0: ends today)."""
    return {
        "id": term.id,
        "member_id": term.member_id,
        "member_name": member_name,
        "start_date": term.start_date,
        "end_date": term.end_date,
        "period_start": term.start_date,
        "period_end": term.period_end,
        "days_left": (term.end_date - today).days,
    }
