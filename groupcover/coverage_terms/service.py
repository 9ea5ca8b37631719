"""Coverage-terms versions (補償内容): which one is in force on a day, and checking a change.

A version is in force from its ``effective_date`` until the next version's. Publishing a
change together with its notices is ``groupcover.coverage_terms.flows``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, ScalarSelect, Select, func, select
from sqlmodel import Session, col

from groupcover import audit, db
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.errors import (
    Conflict,
    CoverageTermsNotAfterLatest,
    EffectiveDateNotFuture,
    LimitsInvalid,
    NoticeTooLate,
)
from groupcover.members.models import Member
from groupcover.rules.limits import AGGREGATE_LIMIT_YEN, PER_INCIDENT_LIMIT_YEN, Limits
from groupcover.rules.notice import earliest_effective_date, send_by
from groupcover.terms.models import Term

INITIAL_TERMS: dict[str, Any] = {
    "effective_date": date(2000, 1, 1),
    "per_incident_limit": PER_INCIDENT_LIMIT_YEN,
    "aggregate_limit": AGGREGATE_LIMIT_YEN,
    "summary_ja": "補償内容（当初）: 1事故につき300万円、補償期間中の累計1,000万円。",
    "summary_en": "Initial coverage terms: ¥3,000,000 per incident, "
    "¥10,000,000 in aggregate per coverage period.",
}


@dataclass(frozen=True)
class Change:
    """A coverage-terms change as the administrator submits it."""

    effective_date: date
    per_incident_limit: int
    aggregate_limit: int
    summary_ja: str
    summary_en: str
    override_reason: str | None = None

    def as_version(self) -> CoverageTerms:
        """The version this change would publish (not added to any session)."""
        return CoverageTerms(
            effective_date=self.effective_date,
            per_incident_limit=self.per_incident_limit,
            aggregate_limit=self.aggregate_limit,
            summary_ja=self.summary_ja,
            summary_en=self.summary_en,
            override_reason=(self.override_reason or "").strip() or None,
        )


def ensure_initial_terms(session: Session) -> None:
    """The program starts with one coverage-terms version (also created by migration 0001)."""
    if session.execute(select(col(CoverageTerms.id)).limit(1)).first() is None:
        session.add(CoverageTerms(**INITIAL_TERMS))
        session.flush()


def versions_query() -> Select[tuple[CoverageTerms]]:
    """Every version, oldest first."""
    return select(CoverageTerms).order_by(col(CoverageTerms.effective_date))


def _in_force(executor: Session | Connection, columns: list[Any], on: date) -> Any:
    """The row of ``columns`` of the version in force on ``on``: the latest effective on or
    before it; before the first version took effect, the first version. A withdrawn version
    is never in force."""
    stmt = select(*columns).where(col(CoverageTerms.withdrawn_at).is_(None))
    effective = col(CoverageTerms.effective_date)
    row = executor.execute(stmt.where(effective <= on).order_by(effective.desc()).limit(1)).first()
    return row or executor.execute(stmt.order_by(effective).limit(1)).one()


def terms_in_force(session: Session, on: date) -> CoverageTerms:
    """The coverage-terms version (補償内容) in force on ``on``."""
    version: CoverageTerms = _in_force(session, [CoverageTerms], on)[0]
    return version


def limits_on(executor: Session | Connection, on: date) -> Limits:
    """The limits (C3) of the version in force on ``on``."""
    per_incident, aggregate = _in_force(
        executor, [CoverageTerms.per_incident_limit, CoverageTerms.aggregate_limit], on
    )
    return Limits(per_incident, aggregate)


def limit_in_force_sql(column: Any, on: Any) -> ScalarSelect[Any]:
    """SQL: ``column`` of the version in force on ``on`` (NULL before the first version;
    :func:`limits_on` then answers)."""
    versions = db.table(CoverageTerms)
    return (
        select(column)
        .where(versions.c.effective_date <= on, versions.c.withdrawn_at.is_(None))
        .order_by(versions.c.effective_date.desc())
        .limit(1)
        .scalar_subquery()
    )


def validate_change(session: Session, change: Change, today: date) -> date:
    """Check a change against C3, N1 and the versions already published; return its send_by."""
    for name in ("per_incident_limit", "aggregate_limit"):
        if getattr(change, name) <= 0:
            raise LimitsInvalid(
                f"{name} must be a positive number of yen", field=name, rule="limits_positive"
            )
    if change.per_incident_limit > change.aggregate_limit:
        raise LimitsInvalid(
            "per_incident_limit cannot exceed aggregate_limit",
            field="per_incident_limit",
            rule="per_incident_within_aggregate",
        )
    if change.effective_date <= today:
        raise EffectiveDateNotFuture(today)
    earliest = earliest_effective_date(today)
    if change.effective_date < earliest and not (change.override_reason or "").strip():
        raise NoticeTooLate(change.effective_date, earliest)
    latest = session.execute(
        select(func.max(CoverageTerms.effective_date)).where(
            col(CoverageTerms.withdrawn_at).is_(None)
        )
    ).scalar_one()
    if latest is not None and change.effective_date <= latest:
        raise CoverageTermsNotAfterLatest(latest)
    taken = session.execute(
        select(col(CoverageTerms.id)).where(
            col(CoverageTerms.effective_date) == change.effective_date
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"withdrawn version {taken[0]} keeps the date {change.effective_date}; choose "
            "another effective_date",
            field="effective_date",
            rule="effective_date_of_withdrawn_version",
        )
    return send_by(change.effective_date)


def affected_members_query(effective_date: date) -> Select[tuple[int | None, str]]:
    """Members with a term running on or after ``effective_date``: they receive the notice."""
    running = select(col(Term.member_id)).where(Term.period_end >= effective_date)
    return (
        select(col(Member.id), col(Member.name))
        .where(col(Member.id).in_(running))
        .order_by(col(Member.id))
    )


def add_version(session: Session, change: Change, today: date) -> CoverageTerms:
    """Store the version ``change`` publishes today (checked by :func:`validate_change`)."""
    version = change.as_version()
    version.published_on = today
    session.add(version)
    session.flush()
    return version


def record_publication(session: Session, version: CoverageTerms, notices_created: int) -> None:
    audit.record(
        session,
        "coverage_terms.publish",
        "coverage_terms",
        version.id,
        after={**audit.snapshot(version), "notices_created": notices_created},
    )
