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
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select, update
from sqlmodel import Session

from groupcover import clock, db
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


def smtp_settings(config: Any) -> SmtpSettings:
    """The SMTP_* and MAIL_* settings of the app's configuration."""
    return SmtpSettings(
        host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]),
        security=config["SMTP_SECURITY"], user=config.get("SMTP_USER") or None,
        password=config.get("SMTP_PASSWORD") or None, mail_from=config["MAIL_FROM"],
        message_id_domain=config["MAIL_MESSAGE_ID_DOMAIN"],
        timeout=float(config["SMTP_TIMEOUT"]),
    )


def delivery_options(config: Any) -> DeliveryOptions:
    return DeliveryOptions(
        batch_size=int(config["NOTICE_BATCH_SIZE"]),
        max_attempts=int(config["NOTICE_MAX_ATTEMPTS"]),
        lease=timedelta(seconds=int(config["NOTICE_LEASE_SECONDS"])),
    )


def new_holder() -> str:
    """Who holds a claim: host, process and a random part (two runs on one host differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_batch(bind: Engine, holder: str, now: datetime, options: DeliveryOptions
                ) -> list[int]:
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
                update(Notice).where(Notice.id.in_(ids))
                .values(claimed_by=holder, claimed_until=now + options.lease)
            )
        return ids


def _mails(session: Session, ids: list[int]) -> list[OutgoingMail]:
    rows = session.execute(
        select(Notice, Member.contact_email).join(Member, Member.id == Notice.member_id)
        .where(Notice.id.in_(ids)).order_by(Notice.id)
    ).all()
    mails = []
    for notice, email in rows:
        letter = service.letter_for(session, notice)
        mails.append(OutgoingMail(notice.id, email, letter.subject, letter.body))
    return mails


def record_result(bind: Engine, holder: str, result: DeliveryResult, zone: ZoneInfo,
                  options: DeliveryOptions) -> str:
    """Store one delivery result on the notice (if ``holder`` still holds it); its new status."""
    now = clock.now()
    with db.transaction(bind) as session:
        notice = session.execute(
            select(Notice).where(Notice.id == result.notice_id, Notice.claimed_by == holder)
        ).scalar_one_or_none()
        if notice is None:
            log.warning("notice %s: lease lost before its result was stored", result.notice_id)
            return "lost"
        notice.claimed_by = None
        notice.claimed_until = None
        notice.attempts += 1
        if result.outcome is Outcome.ACCEPTED:
            notice.status = "sent"
            notice.sent_at = now
            notice.sent_on = now.astimezone(zone).date()
            notice.last_error = None
            notice.next_attempt_at = None
        elif result.outcome is Outcome.PERMANENT or notice.attempts >= options.max_attempts:
            notice.status = "failed"
            notice.last_error = result.error
            notice.next_attempt_at = None
        else:
            notice.last_error = result.error
            notice.next_attempt_at = now + retry_delay(notice.attempts, options.retry_base)
        return "retry" if notice.status == "pending" else notice.status


def send_due_notices(bind: Engine, settings: SmtpSettings, options: DeliveryOptions,
                     holder: str | None = None) -> RunReport:
    """Deliver every due notice, batch after batch, over one SMTP connection."""
    holder = holder or new_holder()
    report = RunReport()
    with db.transaction(bind, write=False) as session:
        zone = ZoneInfo(get_program(session).timezone)
    with SmtpMailer(settings) as mailer:
        while not mailer.unreachable:
            ids = claim_batch(bind, holder, clock.now(), options)
            if not ids:
                break
            with db.transaction(bind, write=False) as session:
                mails = _mails(session, ids)
            for result in mailer.send_batch(mails):
                status = record_result(bind, holder, result, zone, options)
                if status == "sent":
                    report.sent += 1
                    continue
                if status == "failed":
                    report.failed += 1
                elif status == "retry":
                    report.retry_later += 1
                # The report is printed: the server's text without the recipient's address.
                error = _ADDRESS.sub("<address>", result.error or "")
                report.errors.append(f"notice {result.notice_id} ({status}): {error}")
    return report
