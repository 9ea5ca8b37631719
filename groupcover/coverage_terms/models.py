from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint
from sqlmodel import Field, SQLModel

from groupcover import db


class CoverageTerms(SQLModel, table=True):
    """A version of the coverage content (補償内容); in force from ``effective_date`` until the
    next version's. The program starts with one version: ¥3,000,000 / ¥10,000,000."""

    __tablename__ = "coverage_terms"
    __table_args__ = (
        CheckConstraint(
            "per_incident_limit > 0 AND aggregate_limit > 0", name="ck_coverage_terms_positive"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    effective_date: date = Field(unique=True)
    per_incident_limit: int = Field(sa_type=BigInteger)
    aggregate_limit: int = Field(sa_type=BigInteger)
    summary_ja: str
    summary_en: str
    published_on: date | None = None
    override_reason: str | None = None
    created_at: datetime = db.utcnow_field()
    withdrawn_at: datetime | None = Field(
        default=None,
        sa_type=db.UTCDateTime,
        description="taken back before it took effect: kept, but never in force",
    )
    withdrawn_reason: str | None = None
