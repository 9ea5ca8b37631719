"""Subscription terms (利用期間) = coverage periods (補償期間), rule C1.

The coverage period's end is written twice, side by side: ``Term.period_end`` in Python
delegates to the pure rule (``rules.coverage.Term.period``), and in SQL it is
``coalesce(last_day, end_date)``. The two agree because the database keeps a cancellation's
last day inside its term (``ck_term_last_day_inside``), so ``last_day <= end_date``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ColumnElement, Index, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlmodel import Field, SQLModel

from groupcover import db
from groupcover.rules.coverage import Term as TermRule


class Term(SQLModel, table=True):
    """A member's subscription term; its coverage period runs start..min(end, last_day).

    ``aggregate_paid`` is the running total paid under this coverage period (rule C3), kept
    with every payment so the aggregate is never recomputed by scanning history.
    """

    model_config = {"ignored_types": (hybrid_property,)}  # period_end: rule and SQL, below
    __tablename__ = "term"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ck_term_dates"),
        CheckConstraint(
            "start_date <= last_day AND last_day <= end_date", name="ck_term_last_day_inside"
        ),
        CheckConstraint("aggregate_paid >= 0", name="ck_term_aggregate_paid"),
        # a member's terms by start, with what decides whether one runs on a day: the coverage
        # answer's join reads the index alone (0016)
        Index("ix_term_member_period", "member_id", "start_date", "end_date", "last_day"),
        # the earliest start and the latest end of all terms, one probe each (0017)
        Index("ix_term_start", "start_date"),
        Index("ix_term_end", "end_date"),
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

    @hybrid_property
    def period_end(self) -> date:
        """Last day of the coverage period (補償期間): the end, or the cancellation's last day."""
        return self.rule.period_end

    @period_end.inplace.expression
    @classmethod
    def _period_end_sql(cls) -> ColumnElement[date]:
        return func.coalesce(cls.last_day, cls.end_date)
