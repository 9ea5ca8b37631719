"""The bordereau (ボルドロー): the monthly report of the program to its insurer.

One row per member company with coverage in the month: its coverage period, the suppliers
insured on the month's last day, the incidents reported in the month, what was claimed and
paid, and what is still outstanding. Month boundaries are in the program's time zone: an
incident reported at 08:00 JST on the 1st belongs to that month, although it is the previous
day in UTC. Every figure comes from a few grouped queries (set-based; no query per member).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import Session

from groupcover import db
from groupcover.incidents.models import CostLine, Incident, Payment
from groupcover.members.models import Member
from groupcover.suppliers.models import Registration
from groupcover.terms.models import Term

COLUMNS = (
    "member_id",
    "member_name",
    "corporate_number",
    "period_start",
    "period_end",
    "suppliers_insured",
    "incidents_reported",
    "claimed_yen",
    "paid_in_month",
    "aggregate_paid",
    "outstanding_yen",
)
TOTALLED = (
    "suppliers_insured",
    "incidents_reported",
    "claimed_yen",
    "paid_in_month",
    "aggregate_paid",
    "outstanding_yen",
)


@dataclass(frozen=True, slots=True)
class Month:
    first: date
    last: date
    starts_at: datetime  # first day 00:00 in the program zone, as UTC
    ends_at: datetime  # the next month's start, as UTC

    @classmethod
    def of(cls, year: int, month: int, timezone: str) -> Month:
        zone = ZoneInfo(timezone)
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(
            first,
            last,
            datetime.combine(first, time(), zone).astimezone(UTC),
            datetime.combine(following, time(), zone).astimezone(UTC),
        )


T = db.table(Term)
R = db.table(Registration)
INC = db.table(Incident)
CL = db.table(CostLine)
P = db.table(Payment)
M = db.table(Member)


def _within(day: Any, month: Month) -> Any:
    return and_(day >= month.first, day <= month.last)


def owed_by_term(month: Month, term_id: Any) -> ScalarSelect:
    """What the insurer owes under coverage period (term) ``term_id``, before payments:
    approved − deductions of the term's accepted incidents decided by the month's end
    (approvals are not dated per line, so an accepted incident counts as it stands now)."""
    return (
        select(func.coalesce(func.sum(INC.c.approved_yen - INC.c.deducted_yen), 0))
        .where(
            INC.c.term_id == term_id,
            INC.c.decision == "accepted",
            INC.c.decided_on <= month.last,
        )
        .scalar_subquery()
    )


def _claimed(month: Month, term_id: Any) -> ScalarSelect:
    return (
        select(func.coalesce(func.sum(CL.c.amount_yen), 0))
        .select_from(CL.join(INC, CL.c.incident_id == INC.c.id))
        .where(INC.c.term_id == term_id, CL.c.created_at < month.ends_at)
        .scalar_subquery()
    )


def bordereau(session: Session, month: Month) -> dict[str, Any]:
    """``{month, rows, totals}`` for every member with coverage in ``month``.

    One statement: each member's latest coverage period touching the month (a window), and
    each figure as a correlated subquery on an indexed column (member or term). Joins of
    grouped subqueries would be planned as nested loops over freshly loaded tables whose
    statistics say "one row" (10,000 × 10,000).
    """
    period_end = Term.period_end
    ranked = (
        select(
            T.c.id.label("term_id"),
            T.c.member_id,
            T.c.start_date.label("period_start"),
            period_end.label("period_end"),
            func.row_number()
            .over(partition_by=T.c.member_id, order_by=T.c.start_date.desc())
            .label("rank"),
        )
        .where(T.c.start_date <= month.last, period_end >= month.first)
        .subquery()
    )
    period = select(ranked).where(ranked.c.rank == 1).subquery()
    member_id, term_id = period.c.member_id, period.c.term_id

    insured = (
        select(func.count())
        .where(
            R.c.member_id == member_id,
            R.c.registered_on <= month.last,
            or_(R.c.deregistered_on.is_(None), R.c.deregistered_on >= month.last),
        )
        .scalar_subquery()
    )
    reported = (
        select(func.count())
        .where(
            INC.c.member_id == member_id,
            INC.c.created_at >= month.starts_at,
            INC.c.created_at < month.ends_at,
        )
        .scalar_subquery()
    )
    # A payment counts from paid_on; a reversal takes it back on reversed_on.
    paid_in_month = (
        select(
            func.coalesce(
                func.sum(
                    case((_within(P.c.paid_on, month), P.c.amount_yen), else_=0)
                    - case((_within(P.c.reversed_on, month), P.c.amount_yen), else_=0)
                ),
                0,
            )
        )
        .select_from(P.join(INC, INC.c.id == P.c.incident_id))
        .where(INC.c.member_id == member_id)
        .scalar_subquery()
    )
    paid_to_date = (
        select(func.coalesce(func.sum(P.c.amount_yen), 0))
        .where(
            P.c.term_id == term_id,
            P.c.paid_on <= month.last,
            or_(P.c.reversed_on.is_(None), P.c.reversed_on > month.last),
        )
        .scalar_subquery()
    )
    stmt = (
        select(
            member_id,
            M.c.name,
            M.c.corporate_number,
            period.c.period_start,
            period.c.period_end,
            insured,
            reported,
            _claimed(month, term_id),
            paid_in_month,
            paid_to_date,
            owed_by_term(month, term_id),
            period.c.period_end >= month.last,
        )
        .join(M, M.c.id == member_id)
        .order_by(member_id)
    )
    rows = [_row(*r) for r in session.execute(stmt).tuples()]
    totals = {key: sum(r[key] for r in rows) for key in TOTALLED}
    totals["members"] = len(rows)
    return {"month": month.first.strftime("%Y-%m"), "rows": rows, "totals": totals}


def _row(
    member_id: int,
    member_name: str,
    corporate_number: str | None,
    period_start: date,
    period_end: date,
    insured: int,
    reported: int,
    claimed: int,
    paid_in_month: int,
    aggregate_paid: int,
    owed: int,
    runs_at_month_end: bool,
) -> dict[str, Any]:
    """One member's row as JSON-ready values (ISO dates, whole yen)."""
    return {
        "member_id": member_id,
        "member_name": member_name,
        "corporate_number": corporate_number,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        # insured on the month's last day: registered then, and the coverage period runs then
        "suppliers_insured": int(insured) if runs_at_month_end else 0,
        "incidents_reported": int(reported),
        "claimed_yen": int(claimed),
        "paid_in_month": int(paid_in_month),
        "aggregate_paid": int(aggregate_paid),
        "outstanding_yen": max(int(owed) - int(aggregate_paid), 0),
    }
