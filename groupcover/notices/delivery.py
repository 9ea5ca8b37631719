"""``send-notices``: deliver due notices from the outbox, exactly once where SMTP allows.

A run claims a batch of due notices under a lock (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
SQLite: the ``BEGIN IMMEDIATE`` write transaction) and marks them with a lease (claimed_by,
claimed_until), so a second ``send-notices`` on another host skips them. Each result is
committed as soon as the server answers. A crash between the server's accept and that commit
leaves the notice claimed; once the lease lapses it is sent again: the error side is a
duplicate letter with the same Message-ID, never a lost notice.

Every attempt is kept (``notice_attempt``: time, address, outcome, the server's reply, the
message's SHA-256), and every accepted message's exact bytes become the next link of the proof
chain (``groupcover.notices.proof``), in the same transaction as the notice's new status.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlmodel import Session

from groupcover import clock, db
from groupcover.config import Settings
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.members.models import Member
from groupcover.notices import proof, service, withdraw
from groupcover.notices.mailer import (
    DeliveryResult,
    Outcome,
    OutgoingMail,
    SmtpMailer,
    SmtpSettings,
    retry_delay,
)
from groupcover.notices.models import Notice, NoticeAttempt
from groupcover.program.service import get_program

log = logging.getLogger(__name__)
_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")


@dataclass(frozen=True)
class DeliveryOptions:
    batch_size: int = 100
    max_attempts: int = 5
    lease: timedelta = timedelta(minutes=15)
    retry_base: timedelta = timedelta(minutes=5)
    connections: int = 1  # SMTP connections at once (NOTICE_CONNECTIONS)


@dataclass
class RunReport:
    """What one run did; ``ok`` is False when any notice it tried was not delivered."""

    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.retry_later == 0 and self.failed == 0


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The SMTP_* and MAIL_* settings, as the mailer takes them."""
    return SmtpSettings(
        host=settings.SMTP_HOST,
        port=settings.SMTP_PORT,
        security=settings.SMTP_SECURITY,
        user=settings.SMTP_USER,
        password=settings.SMTP_PASSWORD,
        mail_from=settings.MAIL_FROM,
        message_id_domain=settings.MAIL_MESSAGE_ID_DOMAIN,
        timeout=float(settings.SMTP_TIMEOUT),
    )


def delivery_options(settings: Settings) -> DeliveryOptions:
    """The NOTICE_* settings, as a run takes them."""
    return DeliveryOptions(
        batch_size=settings.NOTICE_BATCH_SIZE,
        max_attempts=settings.NOTICE_MAX_ATTEMPTS,
        lease=timedelta(seconds=settings.NOTICE_LEASE_SECONDS),
        connections=settings.NOTICE_CONNECTIONS,
    )


def new_holder() -> str:
    """Who holds a claim: host, process and a random part (two runs on one host differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _due(now: datetime):
    return (
        Notice.status == "pending",
        or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now),
        or_(Notice.claimed_until.is_(None), Notice.claimed_until < now),
    )


def count_due(bind: Engine, now: datetime) -> int:
    """How many notices a run starting now would try (for its progress display)."""
    with db.transaction(bind, write=False) as session:
        return session.execute(select(func.count()).where(*_due(now))).scalar_one()


def claim_batch(bind: Engine, holder: str, now: datetime, options: DeliveryOptions) -> list[int]:
    """Lease up to ``batch_size`` due notices to ``holder``; other runs skip them."""
    with db.transaction(bind) as session:
        stmt = select(Notice.id).where(*_due(now)).order_by(Notice.id).limit(options.batch_size)
        if db.is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(session.execute(stmt).scalars())
        if ids:
            session.execute(
                update(Notice)
                .where(Notice.id.in_(ids))
                .values(claimed_by=holder, claimed_until=now + options.lease)
            )
        return ids


@dataclass(frozen=True)
class _Claimed:
    mail: OutgoingMail
    attempts: int


def _mails(session: Session, ids: list[int]) -> list[_Claimed]:
    rows = [
        tuple(row)
        for row in session.execute(
            select(Notice, Member)
            .join(Member, Member.id == Notice.member_id)
            .where(Notice.id.in_(ids))
            .order_by(Notice.id)
        )
    ]
    letters = service.letters_for(session, rows)
    return [
        _Claimed(
            OutgoingMail(
                notice.id, member.contact_email, letter.subject, letter.body, notice.resends
            ),
            notice.attempts,
        )
        for (notice, member), letter in zip(rows, letters, strict=True)
    ]


def record_result(
    bind: Engine,
    holder: str,
    result: DeliveryResult,
    attempts_before: int,
    zone: ZoneInfo,
    options: DeliveryOptions,
) -> str:
    """Store one delivery result on the notice if ``holder`` still holds it; its new status.

    One transaction, committed at once: the attempt, the message as the next link of the proof
    chain (when accepted) and the notice's new status. The window in which a crash could make
    the notice go out twice is this transaction. The attempt and the message are stored even
    when the lease was lost: they happened. On PostgreSQL the commit does not wait for
    the WAL flush (``synchronous_commit = off``, for this transaction only): a database crash
    in the following fraction of a second can only undo the update, leaving the notice claimed
    until its lease lapses and then sent again — the same duplicate a crash of this process
    gives, without waiting for a disk flush on every letter.
    """
    now = clock.now()
    attempts = attempts_before + 1
    values: dict[str, Any] = {
        "claimed_by": None,
        "claimed_until": None,
        "attempts": attempts,
        "next_attempt_at": None,
        "last_error": result.error,
    }
    if result.outcome is Outcome.ACCEPTED:
        status = "sent"
        # A resent letter keeps the day the member was first told: that is what N1 measures.
        values.update(
            sent_at=func.coalesce(Notice.sent_at, literal(now, db.UTCDateTime())),
            sent_on=func.coalesce(Notice.sent_on, literal(now.astimezone(zone).date())),
        )
    elif result.outcome is Outcome.PERMANENT or attempts >= options.max_attempts:
        status = "failed"
    else:
        status = "retry"
        values["next_attempt_at"] = now + retry_delay(attempts, options.retry_base)
    values["status"] = "pending" if status == "retry" else status
    with db.transaction(bind) as session:
        conn = session.connection()
        if db.is_postgres(session):
            conn.execute(text("SET LOCAL synchronous_commit = off"))
        _record_attempt(conn, result, now)
        updated = conn.execute(
            update(Notice)
            .where(Notice.id == result.notice_id, Notice.claimed_by == holder)
            .values(**values)
        ).rowcount
        if not updated and result.outcome is Outcome.ACCEPTED:
            _withdrawn_in_flight(session, result.notice_id, now.astimezone(zone).date())
    if not updated:
        log.warning("notice %s: lease lost before its result was stored", result.notice_id)
        return "lost"
    return status


_ATTEMPTS = NoticeAttempt.__table__
_INSERT_ATTEMPT = (
    insert(_ATTEMPTS)
    .values(
        notice_id=bindparam("of_notice"),
        attempt=select(func.coalesce(func.max(_ATTEMPTS.c.attempt), 0) + 1)
        .where(_ATTEMPTS.c.notice_id == bindparam("of_notice"))
        .scalar_subquery(),
        resend=select(Notice.__table__.c.resends)
        .where(Notice.__table__.c.id == bindparam("of_notice"))
        .scalar_subquery(),
    )
    .returning(_ATTEMPTS.c.id)
)


def _record_attempt(conn: Connection, result: DeliveryResult, now: datetime) -> None:
    """The attempt in the notice's history; an accepted message also joins the proof chain.

    Core statements (one INSERT numbers the attempt itself): this runs once per letter."""
    attempt_id = conn.execute(
        _INSERT_ATTEMPT,
        {
            "of_notice": result.notice_id,
            "attempted_at": now,
            "address": result.to,
            "outcome": str(result.outcome),
            "smtp_reply": result.reply,
            "message_sha256": None if result.message is None else proof.sha256_hex(result.message),
        },
    ).scalar_one()
    if result.outcome is Outcome.ACCEPTED and result.message is not None:
        proof.append(conn, result.notice_id, attempt_id, result.message, now)


def _withdrawn_in_flight(session: Session, notice_id: int, today: date) -> None:
    """A letter accepted while its change was being withdrawn (the withdrawal cancelled it
    mid-flight): the member was told after all, so it gets the withdrawal letter too."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != "cancelled" or notice.coverage_terms_id is None:
        return
    version = session.get(CoverageTerms, notice.coverage_terms_id)
    if version is not None and version.withdrawn_at is not None:
        withdraw.enqueue_withdrawal(session, version, notice.member_id, today, today)


def send_due_notices(
    bind: Engine,
    settings: SmtpSettings,
    options: DeliveryOptions,
    holder: str | None = None,
    on_result: Callable[[str], None] | None = None,
) -> RunReport:
    """Deliver every due notice over ``options.connections`` SMTP connections at once.

    Each connection has a thread of its own that claims its own batches under its own lease
    (holder ``…/1``, ``…/2``, …) and records each result as the server answers, exactly as a
    single sender would: two threads never hold the same notice, so running several changes
    nothing about exactly-once. A relay's round trips, not our CPU, set the pace of one
    connection (four replies a letter); several keep the relay busy. The proof chain's
    appends stay one at a time (``proof.append`` locks the chain's head).

    ``on_result`` is called with each notice's new status (a progress display), from one
    thread at a time."""
    holder = holder or new_holder()
    report = RunReport()
    with db.transaction(bind, write=False) as session:
        zone = ZoneInfo(get_program(session).timezone)
    if options.connections == 1:
        _deliver(bind, settings, options, holder, zone, report, threading.Lock(), on_result)
        return report
    lock = threading.Lock()
    crashes: list[BaseException] = []

    def connection(n: int) -> None:
        try:
            _deliver(bind, settings, options, f"{holder}/{n}", zone, report, lock, on_result)
        except BaseException as exc:  # re-raised below, as a single sender's would be
            crashes.append(exc)

    threads = [
        threading.Thread(target=connection, args=(n,), name=f"send-notices-{n}")
        for n in range(1, options.connections + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if crashes:
        raise crashes[0]
    return report


def _deliver(
    bind: Engine,
    settings: SmtpSettings,
    options: DeliveryOptions,
    holder: str,
    zone: ZoneInfo,
    report: RunReport,
    lock: threading.Lock,
    on_result: Callable[[str], None] | None,
) -> None:
    """One connection's work: claim a batch, send it, record each result; until none is due."""
    with SmtpMailer(settings) as mailer:
        while not mailer.unreachable:
            ids = claim_batch(bind, holder, clock.now(), options)
            if not ids:
                break
            with db.transaction(bind, write=False) as session:
                claimed = {c.mail.notice_id: c for c in _mails(session, ids)}
            for result in mailer.send_batch(c.mail for c in claimed.values()):
                status = record_result(
                    bind, holder, result, claimed[result.notice_id].attempts, zone, options
                )
                with lock:
                    _count(report, result, status)
                    if on_result is not None:
                        on_result(status)


def _count(report: RunReport, result: DeliveryResult, status: str) -> None:
    if status == "sent":
        report.sent += 1
        return
    if status == "failed":
        report.failed += 1
    elif status == "retry":
        report.retry_later += 1
    # The report is printed: the server's text without the recipient's address.
    error = _ADDRESS.sub("<address>", result.error or "")
    report.errors.append(f"notice {result.notice_id} ({status}): {error}")
