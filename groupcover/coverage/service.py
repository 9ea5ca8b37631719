"""Answers "is this supplier covered on this date, under which member, with how much left".

The SQL narrows the rows (registrations of the domain counting that day, joined with the
member's term running that day); the rules in ``groupcover.rules.coverage`` decide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, Select, bindparam, distinct, func, select
from sqlmodel import Session, col

from groupcover import db
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.coverage_terms.service import limit_in_force_sql, limits_on
from groupcover.members.models import Member
from groupcover.members.service import get_member
from groupcover.rules.coverage import Term as TermRule
from groupcover.rules.coverage import supplier_coverage_period
from groupcover.rules.limits import Limits, aggregate_remaining
from groupcover.rules.periods import Span
from groupcover.suppliers.models import Registration
from groupcover.suppliers.service import active_on
from groupcover.terms.models import Term
from groupcover.terms.service import running_on, running_term


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

    def as_json(self) -> dict:
        return {
            "member_id": self.member_id,
            "member_name": self.member_name,
            "registration_id": self.registration_id,
            "period_start": self.period_start.isoformat(),
            "period_end": None if self.period_end is None else self.period_end.isoformat(),
            "per_incident_limit": self.per_incident_limit,
            "aggregate_limit": self.aggregate_limit,
            "aggregate_remaining": self.aggregate_remaining,
        }


def _supplier_coverage_statement(for_one_member: bool) -> Select[Any]:
    """Registrations of ``:domain`` counting on ``:on``, each with its member's term running
    that day (at most one: a member's terms never overlap), the member's name and the limits
    in force (one round trip for the whole answer)."""
    reg, term, member = db.table(Registration), db.table(Term), db.table(Member)
    versions = db.table(CoverageTerms)
    on = bindparam("on", type_=Date)
    stmt = active_on(
        select(
            reg.c.id,
            reg.c.member_id,
            reg.c.registered_on,
            reg.c.deregistered_on,
            term.c.id.label("term_id"),
            term.c.start_date,
            term.c.end_date,
            term.c.last_day,
            term.c.aggregate_paid,
            member.c.name,
            limit_in_force_sql(versions.c.per_incident_limit, on).label("per_incident_limit"),
            limit_in_force_sql(versions.c.aggregate_limit, on).label("aggregate_limit"),
        )
        .join_from(reg, term, term.c.member_id == reg.c.member_id)
        .join(member, member.c.id == reg.c.member_id)
        .where(reg.c.domain == bindparam("domain"), *running_on(on))
        .order_by(reg.c.member_id, reg.c.registered_on, reg.c.id),
        on,
    )
    return stmt.where(reg.c.member_id == bindparam("member_id")) if for_one_member else stmt


# Built once, run on the driver's cursor: the busiest query of the API skips statement
# construction, the ORM and SQLAlchemy's execution (db.DriverSelect).
_SUPPLIER_COVERAGE = {
    False: db.DriverSelect(_supplier_coverage_statement(False)),
    True: db.DriverSelect(_supplier_coverage_statement(True)),
}


def supplier_coverage(
    conn: Connection, domain: str, on: date, member_id: int | None = None
) -> list[SupplierCoverage]:
    """C1 + C2: one entry per member under which ``domain`` is insured on ``on``."""
    params = {"domain": domain, "on": on, "member_id": member_id}
    by_member: dict[int, list] = defaultdict(list)
    for row in _SUPPLIER_COVERAGE[member_id is not None].rows(conn, params):
        by_member[row.member_id].append(row)
    if not by_member:
        return []
    first_row = next(iter(by_member.values()))[0]
    limits = (
        Limits(first_row.per_incident_limit, first_row.aggregate_limit)
        if first_row.per_incident_limit is not None
        else limits_on(conn, on)
    )
    result = []
    for rows in by_member.values():
        first = rows[0]
        term = TermRule(
            first.term_id, first.member_id, first.start_date, first.end_date, first.last_day
        )
        spans = [Span(r.registered_on, r.deregistered_on) for r in rows]
        period = supplier_coverage_period(spans, term, on)
        if period is None:
            continue
        result.append(
            SupplierCoverage(
                member_id=first.member_id,
                member_name=first.name,
                registration_id=first.id,
                period_start=period.start,
                period_end=period.end,
                per_incident_limit=limits.per_incident,
                aggregate_limit=limits.aggregate,
                aggregate_remaining=aggregate_remaining(limits, first.aggregate_paid),
            )
        )
    return result


def member_coverage(session: Session, member_id: int, on: date) -> dict:
    """C1 for the member itself, the limits in force (C3) and how many suppliers it covers."""
    get_member(session, member_id)
    term = running_term(session, member_id, on)
    limits = limits_on(session, on)
    answer = {
        "member_id": member_id,
        "on": on,
        "covered": term is not None,
        "per_incident_limit": limits.per_incident,
        "aggregate_limit": limits.aggregate,
        "term_id": None,
        "period_start": None,
        "period_end": None,
        "aggregate_paid": 0,
        "aggregate_remaining": 0,
        "suppliers_covered": 0,
    }
    if term is None:
        return answer
    suppliers = session.execute(
        active_on(
            select(func.count(distinct(col(Registration.domain)))).where(
                col(Registration.member_id) == member_id
            ),
            on,
        )
    ).scalar_one()
    answer.update(
        term_id=term.id,
        period_start=term.start_date,
        period_end=term.period_end,
        aggregate_paid=term.aggregate_paid,
        aggregate_remaining=aggregate_remaining(limits, term.aggregate_paid),
        suppliers_covered=suppliers,
    )
    return answer
