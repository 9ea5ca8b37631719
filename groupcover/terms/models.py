from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Index
from sqlmodel import Field, SQLModel

from groupcover import db
from groupcover.rules.coverage import Term as TermRule


class Term(SQLModel, table=True):
    """A member's subscription term; its coverage period runs start..min(end, last_day).

    ``aggregate_paid`` is the running total paid under this coverage period (rule C3), kept
    with every payment so the aggregate is never recomputed by scanning history.
    """

    __tablename__ = "term"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ck_term_dates"),
        CheckConstraint("aggregate_paid >= 0", name="ck_term_aggregate_paid"),
        Index("ix_term_member_start", "member_id", "start_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    start_date: date
    end_date: date
    last_day: date | None = Field(default=None, description="set by a cancellation")
    cancelled_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    aggregate_paid: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = db.utcnow_field()

    @property
    def rule(self) -> TermRule:
        return TermRule(self.id or 0, self.member_id, self.start_date, self.end_date, self.last_day)

    @property
    def period_end(self) -> date:
        return self.rule.period.end  # type: ignore[return-value]
