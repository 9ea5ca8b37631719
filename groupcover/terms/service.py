"""Terms of a member: enrolment without overlap (C1) and cancellation.

Creating a term also hands it to the notices: callers use ``groupcover.terms.flows``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, select
from sqlmodel import Session, col

from groupcover import audit, clock, db
from groupcover.errors import LastDayOutsideTerm, NotFound, TermEndsBeforeStart, TermsOverlap
from groupcover.members.models import Member
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


def add_term(session: Session, member_id: int, start_date: date, end_date: date) -> Term:
    """Store a subscription term; both days inclusive, no overlap with the member's others.

    Only the term: ``groupcover.terms.flows.create_term`` also creates the notices it owes.
    """
    if end_date < start_date:
        raise TermEndsBeforeStart()
    lock_member(session, member_id)
    new = Span(start_date, end_date)
    for other in member_terms(session, member_id):
        if terms_overlap(new, other.rule.period):
            raise TermsOverlap(other.id, other.start_date, other.period_end)
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
