"""Notices of coverage-terms changes (補償内容の変更の通知; seed 004 §2②, rule N1).

Notices are created in the transaction that makes them due: publishing a version
(``create_for_version``, called by ``groupcover.coverage_terms.flows.publish``) or giving a
member a term that runs into a published, not yet effective version (``notify_new_term``,
called by ``groupcover.terms.flows.create_term``). Delivery is ``groupcover.notices.delivery``.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import String, cast, insert, literal, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import audit, clock, db
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.coverage_terms.service import terms_in_force
from groupcover.errors import Conflict, MemberOnly, NotFound
from groupcover.members.models import Member
from groupcover.notices.letters import Letter, LetterValues, render_kind, render_letter
from groupcover.notices.models import Notice, NoticeAttempt
from groupcover.notices.outbox import coverage_change_key, coverage_change_key_prefix
from groupcover.program.models import Program
from groupcover.program.service import get_program
from groupcover.rules.limits import Limits
from groupcover.rules.notice import is_notice_late, send_by
from groupcover.terms.models import Term

LATE_MEMBER_REASON = (
    "貴社の補償期間がこの変更の公表後に設定されたため / "
    "your company's coverage period was set up after this change was published"
)


LATE_RESEND_REASON = (
    "期限内にお送りした通知が配信できず、再送したため / "
    "the letter sent in time could not be delivered and was sent again"
)
LATE_DELIVERY_REASON = (
    "送付期限までに配信を完了できなかったため / "
    "the letter could not be delivered by its sending deadline"
)


def create_for_version(session: Session, version: CoverageTerms, due: date, today: date) -> int:
    """One notice of ``version`` per member with a term running on or after its effective
    date, in one INSERT … SELECT; return how many were created."""
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
                col(Term.member_id),
                literal("coverage_change"),
                literal(coverage_change_key_prefix(version.id))  # type: ignore[arg-type]  # flushed
                + cast(Term.member_id, String),
                literal(version.id),
                literal(due),
                literal("pending"),
                literal(0),
                literal(today),
                literal(clock.now(), db.table(Notice).c.created_at.type),
            )
            .where(Term.period_end >= version.effective_date)
            .distinct()
            .order_by(col(Term.member_id)),
        )
        .returning(col(Notice.id))
    ).all()
    return len(created)


def notify_new_term(session: Session, term: Term, today: date) -> list[Notice]:
    """Notices of published changes not yet in force that now concern ``term``'s member.

    Called by the terms service whenever a term is created: a member enrolled (or renewed)
    after a change was published, but before it takes effect, must be told as well.
    """
    return notify_new_terms(session, [(term.member_id, term.period_end)], today)


def notify_new_terms(
    session: Session, periods: list[tuple[int, date]], today: date
) -> list[Notice]:
    """``notify_new_term`` for many new terms at once (a CSV import): ``periods`` holds each
    new term's ``(member_id, period_end)``. A version concerns a term when it takes effect
    after today and no later than the term's last day; a member is told once per version."""
    if not periods:
        return []
    versions = list(
        session.execute(
            select(CoverageTerms)
            .where(
                col(CoverageTerms.effective_date) > today,
                col(CoverageTerms.withdrawn_at).is_(None),
            )
            .order_by(col(CoverageTerms.effective_date))
        ).scalars()
    )
    if not versions:
        return []
    told = set(
        session.execute(
            select(col(Notice.member_id), col(Notice.coverage_terms_id)).where(
                col(Notice.kind) == "coverage_change",
                col(Notice.coverage_terms_id).in_([v.id for v in versions]),
            )
        ).tuples()
    )
    notices: list[Notice] = []
    for member_id, period_end in periods:
        for v in versions:
            if v.effective_date <= period_end and (member_id, v.id) not in told:
                told.add((member_id, v.id))
                notices.append(
                    Notice(
                        member_id=member_id,
                        kind="coverage_change",
                        key=coverage_change_key(v.id, member_id),
                        coverage_terms_id=v.id,
                        send_by=send_by(v.effective_date),
                        created_on=today,
                    )
                )
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
    stmt = select(Notice).order_by(col(Notice.id))
    if member_id is not None:
        stmt = stmt.where(col(Notice.member_id) == member_id)
    if status is not None:
        stmt = stmt.where(col(Notice.status) == status)
    if kind is not None:
        stmt = stmt.where(col(Notice.kind) == kind)
    if coverage_terms_id is not None:
        stmt = stmt.where(col(Notice.coverage_terms_id) == coverage_terms_id)
    if late is not None:
        stmt = stmt.where(Notice.late_on(today) if late else ~Notice.late_on(today))
    if acknowledged is not None:
        acknowledged_at = col(Notice.acknowledged_at)
        stmt = stmt.where(
            acknowledged_at.is_not(None) if acknowledged else acknowledged_at.is_(None)
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
        raise MemberOnly("only the member company itself acknowledges its notice")
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


def resend(session: Session, notice_id: int, reason: str | None) -> Notice:
    """Queue a failed or sent notice again (再送); ``send-notices`` delivers it.

    It goes to the member's contact e-mail as it is when it is sent, under a new Message-ID;
    the earlier attempts stay in its history. A pending notice is already queued: 409.
    """
    notice = session.execute(
        db.for_update(session, select(Notice).where(col(Notice.id) == notice_id))
    ).scalar_one_or_none()
    if notice is None:
        raise NotFound("notice", notice_id)
    if notice.status not in ("sent", "failed"):
        raise Conflict(
            f"notice {notice_id} is {notice.status}: only a failed or sent notice is resent",
            field="status",
            rule="resend_failed_or_sent",
            current_status=notice.status,
        )
    if notice.kind == "coverage_change" and notice.coverage_terms_id is not None:
        version = session.get(CoverageTerms, notice.coverage_terms_id)
        if version is not None and version.withdrawn_at is not None:
            raise Conflict(
                f"coverage terms {version.id} were withdrawn: their letter is not sent again",
                field=None,
                rule="coverage_terms_withdrawn",
            )
    before = {"status": notice.status, "resends": notice.resends}
    notice.status = "pending"
    notice.attempts = 0
    notice.next_attempt_at = None
    notice.claimed_by = notice.claimed_until = None
    notice.last_error = None
    notice.resends += 1
    notice.resend_reason = (reason or "").strip() or None
    session.flush()
    audit.record(
        session,
        "notice.resend",
        "notice",
        notice.id,
        before=before,
        # the reason is free text and may name people or addresses: kept on the notice only
        after={"status": "pending", "resends": notice.resends, "reason_given": bool(reason)},
    )
    return notice


def history(session: Session, notice_id: int) -> list[NoticeAttempt]:
    """Every delivery attempt of the notice, oldest first."""
    return list(
        session.execute(
            select(NoticeAttempt)
            .where(col(NoticeAttempt.notice_id) == notice_id)
            .order_by(col(NoticeAttempt.attempt))
        ).scalars()
    )


def letter_for(session: Session, notice: Notice) -> Letter:
    """The notice's letter as it is (or was) sent."""
    return letters_for(session, [(notice, session.get_one(Member, notice.member_id))])[0]


def letters_for(session: Session, rows: list[tuple[Notice, Member]]) -> list[Letter]:
    """The letters of many notices, loading the program and each version (old and new) once."""
    program = get_program(session)
    versions: dict[int | None, tuple[CoverageTerms, CoverageTerms]] = {}
    letters = []
    for notice, member in rows:
        if notice.kind != "coverage_change":
            letters.append(render_kind(notice.kind, _letter_context(program, member, notice)))
            continue
        if notice.coverage_terms_id not in versions:
            new = session.get_one(CoverageTerms, notice.coverage_terms_id)
            versions[notice.coverage_terms_id] = (
                terms_in_force(session, new.effective_date - timedelta(days=1)),
                new,
            )
        old, new = versions[notice.coverage_terms_id]
        reason = late_reason(notice, new, clock.today(program.timezone))
        letters.append(_render(program, member, old, new, notice.id, reason, notice.created_on))
    return letters


def draft_letter(
    session: Session, member_id: int, version: CoverageTerms, reason: str | None
) -> Letter:
    """The letter ``member_id`` would receive for ``version`` before it is published."""
    member = session.get_one(Member, member_id)
    old = terms_in_force(session, version.effective_date - timedelta(days=1))
    return _render(get_program(session), member, old, version, None, reason)


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


def late_reason(notice: Notice, version: CoverageTerms, today: date) -> str | None:
    """Why the letter comes with less than two months' notice, or None when it does not.

    Late from the start (created after its ``send_by`` day, rule N1): the administrator's
    override reason, or the member's term came later. Created in time but first delivered
    after ``send_by`` (a refused address, a resend): the reason the administrator gave when
    resending, or that delivery could not be completed in time."""
    if is_notice_late(notice.send_by, None, notice.created_on):
        return version.override_reason or LATE_MEMBER_REASON
    if is_notice_late(notice.send_by, notice.sent_on, today):
        if notice.resends:
            return notice.resend_reason or LATE_RESEND_REASON
        return LATE_DELIVERY_REASON
    return None


def _render(
    program: Program,
    member: Member,
    old: CoverageTerms,
    new: CoverageTerms,
    notice_id: int | None,
    reason: str | None,
    issued_on: date | None = None,
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
            issued_on=issued_on,
        )
    )
