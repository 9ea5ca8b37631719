"""Term actions that reach into another domain: a new term owes the notices of published
coverage-terms changes that will apply during it (seed 004 §2②)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from groupcover.notices import service as notices
from groupcover.program.service import program_today
from groupcover.terms import service as terms
from groupcover.terms.models import Term


def create_term(session: Session, member_id: int, start_date: date, end_date: date) -> Term:
    """Give a member a term (C1) and, in the same transaction, the notices it is owed."""
    term = terms.add_term(session, member_id, start_date, end_date)
    notices.notify_new_term(session, term, program_today(session))
    return term
