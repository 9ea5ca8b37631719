"""Coverage-terms changes (補償内容の変更) and their notices (seed 004 §2②, rule N1).

Publishing a version checks N1 against today in the program's time zone and creates, in the
same transaction, one notice per member company with a term running on or after the effective
date. A member given such a term later, before the effective date, gets its notice when the
term is created (``notify_new_term``). Delivery is ``groupcover.notices.delivery``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, insert, literal, or_, select, text
from sqlalchemy.sql import Select
from sqlmodel import Session

from groupcover import audit, clock, db
from groupcover.coverage.models import CoverageTerms
from groupcover.coverage.service import terms_in_force
from groupcover.errors import Conflict, Forbidden, NotFound, RuleViolation
from groupcover.members.models import Member
from groupcover.notices.letters import Letter, LetterValues, render_kind, render_letter
from groupcover.notices.models import Notice
from groupcover.notices.outbox import coverage_change_key, coverage_change_key_prefix
from groupcover.program.models import Program
from groupcover.program.service import get_program
from groupcover.rules.limits import Limits
from groupcover.rules.notice import earliest_effective_date, send_by
from groupcover.terms.models import Term

LATE_MEMBER_REASON = (
    "貴社の補償期間がこの変更の公表後に設定されたため / "
    "your company's coverage period was set up after this change was published"
)


class NoticeTooLate(RuleViolation):
    """N1: the effective date leaves less than two months' notice and no reason was given."""

    def __init__(self, effective_date: date, earliest: date):
        super().__init__(
            f"effective_date {effective_date} leaves less than two months' notice (rule N1, "
            f"原則として2か月以上前); the earliest allowed date is {earliest}, or give "
            "override_reason",
            field="effective_date",
            rule="notice_two_months",
            earliest_allowed=earliest.isoformat(),
        )


@dataclass(frozen=True)
class Change:
    """A coverage-terms change as the administrator submits it."""

    effective_date: date
    per_incident_limit: int
    aggregate_limit: int
    summary_ja: str
    summary_en: str
    override_reason: str | None = None


def _term_runs_on_or_after(day: date):
    return func.coalesce(Term.last_day, Term.end_date) >= day


def validate_change(session: Session, change: Change, today: date) -> date:
    """Check a change against N1 and the versions already published; return its send_by."""
    for name in ("per_incident_limit", "aggregate_limit"):
        if getattr(change, name) <= 0:
            raise RuleViolation(
                f"{name} must be a positive number of yen", field=name, rule="limits_positive"
            )
    if change.per_incident_limit > change.aggregate_limit:
        raise RuleViolation(
            "per_incident_limit cannot exceed aggregate_limit",
            field="per_incident_limit",
            rule="per_incident_within_aggregate",
        )
    if change.effective_date <= today:
        raise RuleViolation(
            f"effective_date must be after today ({today})",
            field="effective_date",
            rule="effective_date_in_future",
        )
    earliest = earliest_effective_date(today)
    if change.effective_date < earliest and not (change.override_reason or "").strip():
        raise NoticeTooLate(change.effective_date, earliest)
    latest = session.execute(select(func.max(CoverageTerms.effective_date))).scalar_one()
    if latest is not None and change.effective_date <= latest:
        raise Conflict(
            f"a version effective on {latest} exists; a new one must take effect after it",
            field="effective_date",
            rule="coverage_terms_after_latest",
        )
    return send_by(change.effective_date)


def affected_members_query(effective_date: date) -> Select:
    """Members with a term running on or after ``effective_date``: they receive the notice."""
    return (
        select(Member.id, Member.name)
        .where(Member.id.in_(select(Term.member_id).where(_term_runs_on_or_after(effective_date))))
        .order_by(Member.id)
    )


def preview(session: Session, change: Change, today: date) -> dict[str, Any]:
    """What publishing ``change`` today would do, without doing it (a dry run)."""
    due = validate_change(session, change, today)
    members = session.execute(affected_members_query(change.effective_date)).all()
    old = terms_in_force(session, change.effective_date - timedelta(days=1))
    late = due < today
    letter = None
    if members:
        member = session.get(Member, members[0].id)
        letter = _render(
            get_program(session),
            member,
            old,
            _as_version(change),
            None,
            change.override_reason if late else None,
        )
    return {
        "today": today,
        "effective_date": change.effective_date,
        "earliest_allowed": earliest_effective_date(today),
        "send_by": due,
        "late": late,
        "members_affected": len(members),
        "notices": [
            {"member_id": m.id, "member_name": m.name, "send_by": due, "late": late}
            for m in members
        ],
        "letter": None
        if letter is None
        else {"member_id": members[0].id, "subject": letter.subject, "body": letter.body},
    }


def _as_version(change: Change) -> CoverageTerms:
    return CoverageTerms(
        effective_date=change.effective_date,
        per_incident_limit=change.per_incident_limit,
        aggregate_limit=change.aggregate_limit,
        summary_ja=change.summary_ja,
        summary_en=change.summary_en,
        override_reason=change.override_reason,
    )


def publish(session: Session, change: Change, today: date) -> tuple[CoverageTerms, int]:
    """Publish a version and create its notices in one transaction; return both."""
    if db.is_postgres(session):
        # Serialises publications, and term writes against this one: a term committed while
        # we publish is either seen by the INSERT … SELECT below, or its notify_new_term sees
        # this version. (SQLite's BEGIN IMMEDIATE serialises all writers already.)
        session.execute(text("LOCK TABLE term IN SHARE ROW EXCLUSIVE MODE"))
    due = validate_change(session, change, today)
    version = _as_version(change)
    version.override_reason = (change.override_reason or "").strip() or None
    version.published_on = today
    session.add(version)
    session.flush()
    created = session.execute(
        insert(Notice)
        .from_select(
            [
                "member_id",
                "kind",
                "key",
                "coverage_terms_id",
                "send_by",
                "status",
                "attempts",
                "created_on",
                "created_at",
            ],
            select(
                Term.member_id,
                literal("coverage_change"),
                literal(coverage_change_key_prefix(version.id)) + cast(Term.member_id, String),
                literal(version.id),
                literal(due),
                literal("pending"),
                literal(0),
                literal(today),
                literal(clock.now(), Notice.__table__.c.created_at.type),
            )
            .where(_term_runs_on_or_after(change.effective_date))
            .distinct()
            .order_by(Term.member_id),
        )
        .returning(Notice.id)
    ).all()
    audit.record(
        session,
        "coverage_terms.publish",
        "coverage_terms",
        version.id,
        after={**audit.snapshot(version), "notices_created": len(created)},
    )
    return version, len(created)


def notify_new_term(session: Session, term: Term, today: date) -> list[Notice]:
    """Notices of published changes not yet in force that now concern ``term``'s member.

    Called by the terms service whenever a term is created: a member enrolled (or renewed)
    after a change was published, but before it takes effect, must be told as well.
    """
    period_end = term.last_day or term.end_date
    already = select(Notice.coverage_terms_id).where(
        Notice.member_id == term.member_id, Notice.kind == "coverage_change"
    )
    versions = session.execute(
        select(CoverageTerms)
        .where(
            CoverageTerms.effective_date > today,
            CoverageTerms.effective_date <= period_end,
            CoverageTerms.id.not_in(already),
        )
        .order_by(CoverageTerms.effective_date)
    ).scalars()
    notices = [
        Notice(
            member_id=term.member_id,
            kind="coverage_change",
            key=coverage_change_key(v.id, term.member_id),
            coverage_terms_id=v.id,
            send_by=send_by(v.effective_date),
            created_on=today,
        )
        for v in versions
    ]
    session.add_all(notices)
    session.flush()
    for notice in notices:
        audit.record(
            session,
            "notice.create",
            "notice",
            notice.id,
            after=audit.snapshot(notice, exclude=("last_error",)),
        )
    return notices


def is_late(notice: Notice, today: date) -> bool:
    """Not sent by the end of its ``send_by`` day (sent later, or still unsent after it)."""
    if notice.sent_on is not None:
        return notice.sent_on > notice.send_by
    return today > notice.send_by


def _late_filter(today: date, late: bool):
    condition = or_(
        Notice.sent_on > Notice.send_by,
        and_(Notice.sent_on.is_(None), Notice.send_by < today),
    )
    return condition if late else ~condition


def list_query(
    today: date,
    *,
    member_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    late: bool | None = None,
    acknowledged: bool | None = None,
    coverage_terms_id: int | None = None,
) -> Select:
    stmt = select(Notice).order_by(Notice.id)
    if member_id is not None:
        stmt = stmt.where(Notice.member_id == member_id)
    if status is not None:
        stmt = stmt.where(Notice.status == status)
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    if coverage_terms_id is not None:
        stmt = stmt.where(Notice.coverage_terms_id == coverage_terms_id)
    if late is not None:
        stmt = stmt.where(_late_filter(today, late))
    if acknowledged is not None:
        stmt = stmt.where(
            Notice.acknowledged_at.is_not(None)
            if acknowledged
            else Notice.acknowledged_at.is_(None)
        )
    return stmt


def get_notice(session: Session, notice_id: int, visible_member_id: int | None) -> Notice:
    """The notice; another member's answers 404 as if it did not exist."""
    notice = session.get(Notice, notice_id)
    if notice is None or (visible_member_id is not None and notice.member_id != visible_member_id):
        raise NotFound("notice", notice_id)
    return notice


def acknowledge(session: Session, notice_id: int, member_id: int | None) -> Notice:
    """The member confirms it read the notice; repeating it changes nothing."""
    if member_id is None:
        raise Forbidden(
            "only the member company itself acknowledges its notice", field=None, rule="member_only"
        )
    notice = get_notice(session, notice_id, member_id)
    if notice.acknowledged_at is None:
        notice.acknowledged_at = clock.now().astimezone(UTC)
        session.flush()
        audit.record(
            session,
            "notice.acknowledge",
            "notice",
            notice.id,
            after={"acknowledged_at": notice.acknowledged_at.isoformat()},
        )
    return notice


def letter_for(session: Session, notice: Notice) -> Letter:
    """The notice's letter as it is (or was) sent."""
    return letters_for(session, [(notice, session.get(Member, notice.member_id))])[0]


def letters_for(session: Session, rows: list[tuple[Notice, Member]]) -> list[Letter]:
    """The letters of many notices, loading the program and each version (old and new) once."""
    program = get_program(session)
    versions: dict[int, tuple[CoverageTerms, CoverageTerms]] = {}
    letters = []
    for notice, member in rows:
        if notice.kind != "coverage_change":
            letters.append(render_kind(notice.kind, _letter_context(program, member, notice)))
            continue
        if notice.coverage_terms_id not in versions:
            new = session.get(CoverageTerms, notice.coverage_terms_id)
            versions[new.id] = (
                terms_in_force(session, new.effective_date - timedelta(days=1)),
                new,
            )
        old, new = versions[notice.coverage_terms_id]
        letters.append(_render(program, member, old, new, notice.id, late_reason(notice, new)))
    return letters


def _letter_context(program: Program, member: Member, notice: Notice) -> dict[str, Any]:
    """What a letter of any kind but a coverage change is rendered from."""
    return {
        "notice_id": notice.id,
        "program": program,
        "member": member,
        "send_by": notice.send_by,
        "created_on": notice.created_on,
        **(notice.context or {}),
    }


def late_reason(notice: Notice, version: CoverageTerms) -> str | None:
    """Why the letter comes with less than two months' notice, or None when it does not."""
    if notice.created_on <= notice.send_by:
        return None
    return version.override_reason or LATE_MEMBER_REASON


def _render(
    program: Program,
    member: Member,
    old: CoverageTerms,
    new: CoverageTerms,
    notice_id: int | None,
    reason: str | None,
) -> Letter:
    return render_letter(
        LetterValues(
            notice_id=notice_id,
            program_name=program.name,
            policyholder=program.policyholder,
            insurer=program.insurer,
            policy_number=program.policy_number or "-",
            member_name=member.name,
            contact_name=member.contact_name,
            old=Limits(old.per_incident_limit, old.aggregate_limit),
            new=Limits(new.per_incident_limit, new.aggregate_limit),
            summary_ja=new.summary_ja,
            summary_en=new.summary_en,
            effective_date=new.effective_date,
            override_reason=reason,
        )
    )
