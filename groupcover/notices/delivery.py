"""``send-notices``: deliver due notices from the outbox, exactly once where SMTP allows.

A run claims a batch of due notices under a lock (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
SQLite: the ``BEGIN IMMEDIATE`` write transaction) and marks them with a lease (claimed_by,
claimed_until), so a second ``send-notices`` on another host skips them. Each result is
committed as soon as the server answers. A crash between the server's accept and that commit
leaves the notice claimed; once the lease lapses it is sent again: the error side is a
duplicate letter with the same Message-ID, never a lost notice.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select, text, update
from sqlmodel import Session

from groupcover import clock, db
from groupcover.config import Settings
from groupcover.members.models import Member
from groupcover.notices import service
from groupcover.notices.mailer import (
    DeliveryResult,
    Outcome,
    OutgoingMail,
    SmtpMailer,
    SmtpSettings,
    retry_delay,
)
from groupcover.notices.models import Notice
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


def claim_batch(bind: Engine, holder: str, now: datetime, options: DeliveryOptions) -> list[int]:
    """Lease up to ``batch_size`` due notices to ``holder``; other runs skip them."""
    with db.transaction(bind) as session:
        stmt = (
            select(Notice.id)
            .where(Notice.status == "pending")
            .where(or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now))
            .where(or_(Notice.claimed_until.is_(None), Notice.claimed_until < now))
            .order_by(Notice.id)
            .limit(options.batch_size)
        )
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
            OutgoingMail(notice.id, member.contact_email, letter.subject, letter.body),
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

    One UPDATE in its own transaction, committed at once: the window in which a crash could
    make the notice go out twice is this statement. On PostgreSQL the commit does not wait for
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
        values.update(sent_at=now, sent_on=now.astimezone(zone).date())
    elif result.outcome is Outcome.PERMANENT or attempts >= options.max_attempts:
        status = "failed"
    else:
        status = "retry"
        values["next_attempt_at"] = now + retry_delay(attempts, options.retry_base)
    values["status"] = "pending" if status == "retry" else status
    with db.transaction(bind) as session:
        if db.is_postgres(session):
            session.execute(text("SET LOCAL synchronous_commit = off"))
        updated = session.execute(
            update(Notice)
            .where(Notice.id == result.notice_id, Notice.claimed_by == holder)
            .values(**values)
        ).rowcount
    if not updated:
        log.warning("notice %s: lease lost before its result was stored", result.notice_id)
        return "lost"
    return status


def send_due_notices(
    bind: Engine, settings: SmtpSettings, options: DeliveryOptions, holder: str | None = None
) -> RunReport:
    """Deliver every due notice over ``options.connections`` SMTP connections at once.

    Each connection has a thread of its own that claims its own batches under its own lease
    (holder ``…/1``, ``…/2``, …) and records each result as the server answers, exactly as a
    single sender would: two threads never hold the same notice, so running several changes
    nothing about exactly-once. A relay's round trips, not our CPU, set the pace of one
    connection (four replies a letter); several keep the relay busy.
    """
    holder = holder or new_holder()
    report = RunReport()
    with db.transaction(bind, write=False) as session:
        zone = ZoneInfo(get_program(session).timezone)
    if options.connections == 1:
        _deliver(bind, settings, options, holder, zone, report, threading.Lock())
        return report
    lock = threading.Lock()
    crashes: list[BaseException] = []

    def connection(n: int) -> None:
        try:
            _deliver(bind, settings, options, f"{holder}/{n}", zone, report, lock)
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
