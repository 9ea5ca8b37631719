"""Answers "is this supplier covered on this date, under which member, with how much left".

The SQL narrows the rows (registrations of the domain counting that day, joined with the
member's term running that day); the rules in ``groupcover.rules.coverage`` decide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    func,
    literal_column,
    select,
    union_all,
)
from sqlmodel import Session, col

from groupcover import db
from groupcover.coverage.counts import CountCache, DomainTimeline
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


@dataclass(slots=True)
class SupplierCoverage:
    """One entry of the coverage answer: ``period_*`` is the member's coverage period (its
    term, ending on a cancellation's last day), ``insured_*`` the supplier's own span in it.

    Not frozen: a frozen dataclass's ``__init__`` costs five times as much, and a page of a
    popular domain makes fifty of these per request."""

    member_id: int
    member_name: str
    registration_id: int
    period_start: date
    period_end: date
    insured_from: date
    insured_to: date | None
    per_incident_limit: int
    aggregate_limit: int
    aggregate_remaining: int

    def as_json(self) -> dict:
        return {
            "member_id": self.member_id,
            "member_name": self.member_name,
            "registration_id": self.registration_id,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "insured_from": self.insured_from.isoformat(),
            "insured_to": None if self.insured_to is None else self.insured_to.isoformat(),
            "per_incident_limit": self.per_incident_limit,
            "aggregate_limit": self.aggregate_limit,
            "aggregate_remaining": self.aggregate_remaining,
        }


def _generation() -> Any:
    """SQL: the ``coverage_generation`` counter, as a column of the statement it is in."""
    return select(db.table(db.CoverageGeneration).c.value).scalar_subquery().label("generation")


def _covering(columns: list, for_one_member: bool) -> Select[Any]:
    """``columns`` over the registrations of ``:domain`` counting on ``:on`` joined with their
    member's term running that day (at most one: a member's terms never overlap)."""
    reg, term = db.table(Registration), db.table(Term)
    on = bindparam("on", type_=Date)
    stmt = active_on(
        select(*columns)
        .join_from(reg, term, term.c.member_id == reg.c.member_id)
        .where(reg.c.domain == bindparam("domain"), *running_on(on)),
        on,
    )
    return stmt.where(reg.c.member_id == bindparam("member_id")) if for_one_member else stmt


def _page_size_if_any_term_runs(on: Any) -> Any:
    """SQL: ``:limit``, or 0 when ``on`` lies before the earliest start or after the latest end
    of all terms.

    A page is found by walking the domain's registrations in member order and looking for each
    member's running term; on a day no term runs (before the program's first term, after the
    last one ends) that walk read every registration of the domain to find nothing:
    O(registrants), 40–55 ms for a domain 100,000 members registered. Both bounds are one index
    probe (``ix_term_start``, ``ix_term_end``), and a LIMIT of 0 ends the query before the walk
    on both databases (a condition in WHERE would be tested on every row). ``end_date`` bounds
    the coverage period (a cancellation's last day is inside its term)."""
    every = db.table(Term).alias("every_term")
    inside = and_(
        on >= select(func.min(every.c.start_date)).scalar_subquery(),
        on <= select(func.max(every.c.end_date)).scalar_subquery(),
    )
    return case((inside, bindparam("limit", type_=Integer)), else_=0)


def _supplier_coverage_statement(for_one_member: bool, paged: bool) -> Select[Any]:
    """The whole answer's rows, each with the member's name and the limits in force (one
    round trip); ``paged``: only the members of ``:limit``/``:offset`` in ``member_id`` order."""
    reg, term, member = db.table(Registration), db.table(Term), db.table(Member)
    versions = db.table(CoverageTerms)
    on = bindparam("on", type_=Date)
    stmt = (
        _covering(
            [
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
                _generation(),
            ],
            for_one_member,
        )
        .join(member, member.c.id == reg.c.member_id)
        .order_by(reg.c.member_id, reg.c.registered_on, reg.c.id)
    )
    if paged:
        page = (
            _covering([reg.c.member_id], for_one_member)
            .distinct()
            .order_by(reg.c.member_id)
            .limit(_page_size_if_any_term_runs(on))
            .offset(bindparam("offset"))
        )
        stmt = stmt.where(reg.c.member_id.in_(page.scalar_subquery()))
    return stmt


def _count_statement() -> Select[Any]:
    """The number of members under which ``:domain`` is insured on ``:on``, and the counter
    it was counted at (``CountCache``)."""
    reg = db.table(Registration)
    return _covering(
        [_generation(), func.count(distinct(reg.c.member_id)).label("total")],
        for_one_member=False,
    )


def _insured_spans() -> Any:
    """Every insured span of ``:domain``: each registration's span intersected with the
    coverage period of each term of its member it meets (C1, C2), as a subquery."""
    reg, term = db.table(Registration), db.table(Term)
    period_end = func.coalesce(term.c.last_day, term.c.end_date)
    first = case(
        (reg.c.registered_on > term.c.start_date, reg.c.registered_on), else_=term.c.start_date
    )
    ended_first = and_(reg.c.deregistered_on.is_not(None), reg.c.deregistered_on < period_end)
    last = case((ended_first, reg.c.deregistered_on), else_=period_end)
    return (
        select(first.label("first"), last.label("last"))
        .join_from(reg, term, term.c.member_id == reg.c.member_id)
        .where(reg.c.domain == bindparam("domain"), first <= last)
        .subquery("span")
    )


def _span_days_statement() -> Any:
    """How many insured spans of ``:domain`` begin (``kind`` 0) and end (1) on each day."""
    spans = _insured_spans()
    return union_all(
        select(
            literal_column("0").label("kind"), spans.c.first.label("day"), func.count().label("n")
        ).group_by(spans.c.first),
        select(literal_column("1"), spans.c.last, func.count()).group_by(spans.c.last),
    )


def _overlapping_registrations_statement() -> Select[Any]:
    """A registration of ``:domain`` that begins before the member's previous one of it (in
    order of first day) has ended, if any: one member then holds it twice on some day.

    Comparing each registration with the one before it is enough: if any two of a member's
    overlap, so do two that follow each other by first day. One ordered pass over the
    domain's index entries (``ix_registration_domain_member``), where a self-join read them
    twice."""
    reg = db.table(Registration)
    never = bindparam("never", type_=Date)
    previous_end = (
        func.lag(func.coalesce(reg.c.deregistered_on, never))
        .over(partition_by=reg.c.member_id, order_by=reg.c.registered_on)
        .label("previous_end")
    )
    ordered = (
        select(reg.c.registered_on, previous_end)
        .where(reg.c.domain == bindparam("domain"))
        .subquery("ordered")
    )
    return (
        select(literal_column("1").label("found"))
        .select_from(ordered)
        .where(ordered.c.previous_end >= ordered.c.registered_on)
        .limit(1)
    )


# Built once, run on the driver's cursor: the busiest queries of the API skip statement
# construction, the ORM and SQLAlchemy's execution (db.DriverSelect).
_SUPPLIER_COVERAGE = {
    one: db.DriverSelect(_supplier_coverage_statement(one, paged=False)) for one in (False, True)
}
_SUPPLIER_COVERAGE_PAGE = db.DriverSelect(_supplier_coverage_statement(False, paged=True))
_COVERAGE_COUNT = db.DriverSelect(_count_statement())
_SPAN_DAYS = db.DriverSelect(_span_days_statement())
_OVERLAPPING_REGISTRATIONS = db.DriverSelect(_overlapping_registrations_statement())
MAX_OFFSET = 2_147_483_647


def supplier_coverage(
    conn: Connection, domain: str, on: date, member_id: int | None = None
) -> list[SupplierCoverage]:
    """C1 + C2: one entry per member under which ``domain`` is insured on ``on``."""
    params = {"domain": domain, "on": on, "member_id": member_id}
    return _entries(conn, _SUPPLIER_COVERAGE[member_id is not None].rows(conn, params), on)


def supplier_coverage_page(
    conn: Connection,
    domain: str,
    on: date,
    member_id: int | None,
    page: int,
    page_size: int,
    counts: CountCache | None = None,
) -> tuple[list[SupplierCoverage], int]:
    """One page of ``supplier_coverage`` (members in id order) and the number of entries in
    all. A first page that is not full is the whole answer: no count query then; otherwise
    the count comes from ``counts`` while it is still exact, else from the database.

    One member's answer has one entry at most: it is read whole, without paging in SQL."""
    offset = (page - 1) * page_size
    if member_id is not None:
        entries = supplier_coverage(conn, domain, on, member_id)
        return (entries if offset == 0 else []), len(entries)
    params = {"domain": domain, "on": on, "member_id": None}
    entries = []
    generation = None
    if offset < MAX_OFFSET:
        rows = _SUPPLIER_COVERAGE_PAGE.rows(conn, {**params, "limit": page_size, "offset": offset})
        entries = _entries(conn, rows, on)
        if offset == 0 and len(entries) < page_size:
            return entries, len(entries)
        generation = rows[0].generation if rows else None
    if counts is not None:
        kept = counts.get(domain, on, generation)
        if kept is not None:
            return entries, kept
        if counts.wants_timeline(domain, generation):
            timeline = domain_timeline(conn, domain)
            if timeline is not None:
                # Labelled with the counter the page was read at: the timeline was read after
                # it, so it is that state or a newer one, which the next page's counter will
                # not match; never an older state under a newer label.
                counts.put_timeline(domain, generation, timeline)
                return entries, timeline.count(on)
            counts.refuse_timeline(domain, generation)
    counted = _COVERAGE_COUNT.rows(conn, params)[0]
    if counts is not None:
        counts.put(domain, on, counted.generation, counted.total)
    return entries, counted.total


def domain_timeline(conn: Connection, domain: str) -> DomainTimeline | None:
    """The days ``domain`` is insured, under how many members; None when one member has
    registrations of it that overlap (possible through the sync: two vendor records with the
    same domain), where counting spans would count that member twice."""
    params = {"domain": domain, "never": date.max}
    if _OVERLAPPING_REGISTRATIONS.rows(conn, params):
        return None
    rows = _SPAN_DAYS.rows(conn, params)
    return DomainTimeline(
        ((r.day, r.n) for r in rows if r.kind == 0), ((r.day, r.n) for r in rows if r.kind == 1)
    )


def _entries(conn: Connection, rows, on: date) -> list[SupplierCoverage]:
    by_member: dict[int, list] = defaultdict(list)
    for row in rows:
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
    for rows_of_member in by_member.values():
        first = rows_of_member[0]
        term = TermRule(
            first.term_id, first.member_id, first.start_date, first.end_date, first.last_day
        )
        spans = [Span(r.registered_on, r.deregistered_on) for r in rows_of_member]
        insured = supplier_coverage_period(spans, term, on)
        if insured is None:
            continue
        result.append(
            SupplierCoverage(
                member_id=first.member_id,
                member_name=first.name,
                registration_id=first.id,
                period_start=term.start_date,
                period_end=term.period_end,
                insured_from=insured.start,
                insured_to=insured.end,
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
