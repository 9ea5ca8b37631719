"""Terms of a member: enrolment without overlap (C1) and cancellation."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlmodel import Session

from groupcover import audit, clock, db
from groupcover.errors import Conflict, NotFound, RuleViolation
from groupcover.members.models import Member
from groupcover.program.service import program_today
from groupcover.rules.coverage import member_coverage_period, terms_overlap
from groupcover.rules.periods import Span
from groupcover.terms.models import Term


def lock_member(session: Session, member_id: int) -> Member:
    """Serialise writes that check a member's terms (overlap) across requests and hosts."""
    member = session.execute(
        db.for_update(session, select(Member).where(Member.id == member_id))
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("member", member_id)
    return member


def terms_query(member_id: int) -> Select:
    """A member's terms, oldest first."""
    return select(Term).where(Term.member_id == member_id).order_by(Term.start_date)


def member_terms(session: Session, member_id: int) -> list[Term]:
    return list(session.execute(terms_query(member_id)).scalars())


def running_on(on: date) -> list:
    """SQL filter: the term's coverage period (start..min(end, last_day)) contains ``on``."""
    return [Term.start_date <= on, func.coalesce(Term.last_day, Term.end_date) >= on]


def running_term(session: Session, member_id: int, on: date) -> Term | None:
    """C1: the member's term whose coverage period contains ``on``, if any."""
    terms = {
        t.id: t
        for t in session.execute(
            select(Term).where(Term.member_id == member_id, *running_on(on))
        ).scalars()
    }
    found = member_coverage_period([t.rule for t in terms.values()], on)
    return None if found is None else terms[found.id]


def get_term(session: Session, member_id: int, term_id: int) -> Term:
    term = session.get(Term, term_id)
    if term is None or term.member_id != member_id:
        raise NotFound("term", term_id)
    return term


def create_term(session: Session, member_id: int, start_date: date, end_date: date) -> Term:
    """Give a member a subscription term; both days inclusive, no overlap with its others."""
    if end_date < start_date:
        raise RuleViolation(
            "end_date is before start_date", field="end_date", rule="end_date_not_before_start_date"
        )
    lock_member(session, member_id)
    new = Span(start_date, end_date)
    for other in member_terms(session, member_id):
        if terms_overlap(new, other.rule.period):
            raise Conflict(
                f"overlaps term {other.id} ({other.start_date}..{other.period_end})",
                field="start_date",
                rule="terms_overlap",
                term_id=other.id,
            )
    term = Term(member_id=member_id, start_date=start_date, end_date=end_date)
    session.add(term)
    session.flush()
    audit.record(session, "term.create", "term", term.id, after=audit.snapshot(term))
    # Imported here: notices.service needs coverage.service, which needs this module.
    from groupcover.notices.service import notify_new_term

    notify_new_term(session, term, program_today(session))
    return term


def cancel_term(session: Session, member_id: int, term_id: int, last_day: date) -> Term:
    """End a term (and every coverage under it) after ``last_day``, which lies inside it."""
    lock_member(session, member_id)
    term = get_term(session, member_id, term_id)
    current = term.rule.period
    if not current.contains(last_day):
        raise RuleViolation(
            f"last_day must lie inside the term ({current.start}..{current.end})",
            field="last_day",
            rule="last_day_inside_term",
        )
    before = audit.snapshot(term)
    term.last_day = last_day
    term.cancelled_at = clock.now()
    session.flush()
    audit.record(session, "term.cancel", "term", term.id, before=before, after=audit.snapshot(term))
    return term


def ending_without_renewal_query(today: date, within_days: int) -> Select:
    """Terms whose coverage ends within ``within_days`` of ``today`` with no later term of the
    same member: the renewals to chase (oldest end first)."""
    ends = func.coalesce(Term.last_day, Term.end_date)
    following = Term.__table__.alias("following")
    return (
        select(Term)
        .where(ends >= today, ends <= today + timedelta(days=within_days))
        .where(
            ~select(following.c.id)
            .where(following.c.member_id == Term.member_id, following.c.start_date > ends)
            .exists()
        )
        .order_by(ends, Term.id)
    )
