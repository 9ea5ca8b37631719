"""Withdrawing a coverage-terms change before it takes effect (変更の撤回).

The version is kept, marked withdrawn, and is never in force (``coverage.service`` skips it).
Its notices not yet sent are cancelled; every member already sent its notice gets a
``withdrawal`` letter through the outbox (one per member and version: the outbox key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from groupcover import audit, clock, db
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.coverage_terms.service import terms_in_force
from groupcover.errors import Conflict, NotFound, RuleViolation
from groupcover.notices import outbox
from groupcover.notices.models import Notice


@dataclass(frozen=True)
class Withdrawal:
    version: CoverageTerms
    notices_cancelled: int
    withdrawal_letters: int


def withdrawal_key(coverage_terms_id: int, member_id: int) -> str:
    return f"withdrawal:{coverage_terms_id}:{member_id}"


def withdraw(session: Session, coverage_terms_id: int, reason: str, today: date) -> Withdrawal:
    """Withdraw a version not yet in force (effective after ``today``, program time zone)."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("say why the change is withdrawn", field="reason", rule="required")
    version = session.execute(
        db.for_update(session, select(CoverageTerms).where(CoverageTerms.id == coverage_terms_id))
    ).scalar_one_or_none()
    if version is None:
        raise NotFound("coverage_terms", coverage_terms_id)
    if version.withdrawn_at is not None:
        raise Conflict(
            f"coverage terms {version.id} were already withdrawn",
            field=None,
            rule="coverage_terms_withdrawn",
        )
    if version.effective_date <= today:
        raise Conflict(
            f"coverage terms {version.id} are in force since {version.effective_date}; "
            "only a change not yet in force can be withdrawn",
            field=None,
            rule="coverage_terms_in_force",
            effective_date=version.effective_date.isoformat(),
        )
    version.withdrawn_at = clock.now()
    version.withdrawn_reason = reason
    session.flush()
    notices = select(Notice.id, Notice.member_id, Notice.status, Notice.sent_on).where(
        Notice.coverage_terms_id == version.id, Notice.kind == "coverage_change"
    )
    # Member order: the letters are queued (and the rows locked) in the same order every time.
    notices = notices.order_by(Notice.member_id)
    rows = session.execute(db.for_update(session, notices)).all()
    pending = [r.id for r in rows if r.status == "pending"]
    if pending:
        session.execute(
            update(Notice)
            .where(Notice.id.in_(pending), Notice.status == "pending")
            .values(status="cancelled", claimed_by=None, claimed_until=None, next_attempt_at=None)
        )
    told = [r for r in rows if r.sent_on is not None]
    for row in told:
        enqueue_withdrawal(session, version, row.member_id, row.sent_on, today)
    audit.record(
        session,
        "coverage_terms.withdraw",
        "coverage_terms",
        version.id,
        before={"withdrawn_at": None},
        after={
            "withdrawn_at": version.withdrawn_at.isoformat(),
            "notices_cancelled": len(pending),
            "withdrawal_letters": len(told),
        },
    )
    return Withdrawal(version, len(pending), len(told))


def enqueue_withdrawal(
    session: Session, version: CoverageTerms, member_id: int, told_on: date, today: date
) -> Notice | None:
    """Queue the ``withdrawal`` letter for one member (at most once: the outbox key)."""
    stays = terms_in_force(session, version.effective_date - timedelta(days=1))
    return outbox.enqueue(
        session,
        kind="withdrawal",
        key=withdrawal_key(version.id, member_id),
        member_id=member_id,
        today=today,
        coverage_terms_id=version.id,
        context={
            "effective_date": version.effective_date.isoformat(),
            "told_on": told_on.isoformat(),
            "reason": version.withdrawn_reason,
            "withdrawn_per_incident_limit": version.per_incident_limit,
            "withdrawn_aggregate_limit": version.aggregate_limit,
            "per_incident_limit": stays.per_incident_limit,
            "aggregate_limit": stays.aggregate_limit,
        },
    )
