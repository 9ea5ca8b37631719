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

from sqlalchemy import func, or_, select
from sqlalchemy.sql import Subquery
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


def owed_by_term(month: Month) -> Subquery:
    """What the insurer owes per coverage period (term) at the month's end, before payments.

    THE one place to update when approvals and deductions exist (issue 11): owed becomes
    approved − deductions. Until then it is what was claimed (cost lines entered by the
    month's end) on the covered incidents of the term.
    """
    return (
        select(INC.c.term_id.label("term_id"), func.sum(CL.c.amount_yen).label("owed"))
        .join(CostLine, CL.c.incident_id == INC.c.id)
        .where(INC.c.term_id.is_not(None), CL.c.created_at < month.ends_at)
        .group_by(INC.c.term_id)
        .subquery()
    )


def bordereau(session: Session, month: Month) -> dict[str, Any]:
    """``{month, rows, totals}`` for every member with coverage in ``month``."""
    period_end = func.coalesce(T.c.last_day, T.c.end_date)
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

    insured = (
        select(R.c.member_id, func.count().label("n"))
        .where(
            R.c.registered_on <= month.last,
            or_(R.c.deregistered_on.is_(None), R.c.deregistered_on >= month.last),
        )
        .group_by(R.c.member_id)
        .subquery()
    )
    reported = (
        select(INC.c.member_id, func.count().label("n"))
        .where(INC.c.created_at >= month.starts_at, INC.c.created_at < month.ends_at)
        .group_by(INC.c.member_id)
        .subquery()
    )
    claimed = (
        select(INC.c.term_id, func.sum(CL.c.amount_yen).label("yen"))
        .join(CostLine, CL.c.incident_id == INC.c.id)
        .where(CL.c.created_at < month.ends_at)
        .group_by(INC.c.term_id)
        .subquery()
    )
    paid_in_month = (
        select(INC.c.member_id, func.sum(P.c.amount_yen).label("yen"))
        .join(Incident, INC.c.id == P.c.incident_id)
        .where(P.c.paid_on >= month.first, P.c.paid_on <= month.last)
        .group_by(INC.c.member_id)
        .subquery()
    )
    paid_to_date = (
        select(P.c.term_id, func.sum(P.c.amount_yen).label("yen"))
        .where(P.c.paid_on <= month.last)
        .group_by(P.c.term_id)
        .subquery()
    )
    owed = owed_by_term(month)
    runs_at_month_end = period.c.period_end >= month.last
    stmt = (
        select(
            period.c.member_id,
            M.c.name.label("member_name"),
            M.c.corporate_number,
            period.c.period_start,
            period.c.period_end,
            func.coalesce(insured.c.n, 0).label("suppliers_insured"),
            func.coalesce(reported.c.n, 0).label("incidents_reported"),
            func.coalesce(claimed.c.yen, 0).label("claimed_yen"),
            func.coalesce(paid_in_month.c.yen, 0).label("paid_in_month"),
            func.coalesce(paid_to_date.c.yen, 0).label("aggregate_paid"),
            func.coalesce(owed.c.owed, 0).label("owed"),
            runs_at_month_end.label("runs_at_month_end"),
        )
        .join(Member, M.c.id == period.c.member_id)
        .outerjoin(insured, insured.c.member_id == period.c.member_id)
        .outerjoin(reported, reported.c.member_id == period.c.member_id)
        .outerjoin(claimed, claimed.c.term_id == period.c.term_id)
        .outerjoin(paid_in_month, paid_in_month.c.member_id == period.c.member_id)
        .outerjoin(paid_to_date, paid_to_date.c.term_id == period.c.term_id)
        .outerjoin(owed, owed.c.term_id == period.c.term_id)
        .order_by(period.c.member_id)
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
