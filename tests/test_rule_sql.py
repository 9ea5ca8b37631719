"""Where a rule also has an SQL form, both forms agree on the rule's edges, on both databases;
and the database refuses a cancellation whose last day lies outside its term."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from groupcover import db
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.notices.models import Notice
from groupcover.notices.outbox import coverage_change_key
from groupcover.terms.models import Term
from tests import factories as f
from tests.rules.test_notice import LATE

D = date.fromisoformat


@pytest.mark.parametrize(
    ("last_day", "period_end"),
    [
        (None, "2027-03-31"),  # never cancelled: the term's end
        ("2026-04-01", "2026-04-01"),  # cancelled on its first day
        ("2026-09-30", "2026-09-30"),
        ("2027-03-31", "2027-03-31"),  # cancelled on its last day
    ],
)
def test_period_end_in_sql_is_the_rule(client, admin, last_day, period_end):
    member = f.member(client, admin)
    with db.transaction() as s:
        term = Term(member_id=member["id"], start_date=D("2026-04-01"), end_date=D("2027-03-31"))
        term.last_day = None if last_day is None else D(last_day)
        s.add(term)
        s.flush()
        in_sql = s.execute(select(Term.period_end).where(col(Term.id) == term.id)).scalar_one()
        assert term.period_end == in_sql == D(period_end)


@pytest.mark.parametrize(("send_by", "sent_on", "today", "late"), LATE)
def test_notice_late_in_sql_is_the_rule(client, admin, send_by, sent_on, today, late):
    member = f.member(client, admin)
    with db.transaction() as s:
        version = s.execute(select(CoverageTerms.id)).scalars().first()
        notice = Notice(
            member_id=member["id"],
            key=coverage_change_key(version, member["id"]),
            coverage_terms_id=version,
            send_by=D(send_by),
            sent_on=None if sent_on is None else D(sent_on),
            created_on=D("2027-01-01"),
        )
        s.add(notice)
        s.flush()
        late_ids = s.execute(select(Notice.id).where(Notice.late_on(D(today)))).scalars().all()
        in_time_ids = s.execute(select(Notice.id).where(~Notice.late_on(D(today)))).scalars().all()
        assert notice.late_on(D(today)) is late
        assert (late_ids, in_time_ids) == (([notice.id], []) if late else ([], [notice.id]))


@pytest.mark.parametrize("last_day", ["2026-03-31", "2027-04-01"])
def test_the_database_refuses_a_last_day_outside_its_term(client, admin, last_day):
    """ck_term_last_day_inside (migration 0006): start_date <= last_day <= end_date."""
    member = f.member(client, admin)
    term = f.term(client, admin, member["id"], "2026-04-01", "2027-03-31")
    refused = pytest.raises(IntegrityError, match="ck_term_last_day_inside|CHECK constraint failed")
    with refused, db.transaction() as s:
        s.execute(update(Term).where(col(Term.id) == term["id"]).values(last_day=D(last_day)))
    with db.transaction(write=False) as s:
        assert s.get_one(Term, term["id"]).last_day is None
