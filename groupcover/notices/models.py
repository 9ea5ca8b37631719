from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Index,
    LargeBinary,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlmodel import Field, SQLModel

from groupcover import db
from groupcover.rules.notice import is_notice_late

STATUSES = ("pending", "sent", "failed", "cancelled")
KINDS = ("coverage_change", "withdrawal", "limit_alert", "payment_extension")


class Notice(SQLModel, table=True):
    """One letter to one member company: the outbox every letter of the program goes through.

    ``kind`` says which letter: a coverage-terms change (seed 004 §2②), its withdrawal, a
    limit alert or a payment-period extension (§6 ①). A notice is created in the same
    transaction as the change that causes it, and ``send-notices`` delivers it later.
    ``key`` is unique: the same letter for the same cause is never queued twice, even by
    concurrent transactions (``outbox.enqueue``). ``context`` holds what the letter says
    beyond the program, the member and the coverage-terms version. ``claimed_by`` and
    ``claimed_until`` are the sender's lease on the row while it is being delivered.
    """

    model_config = {"ignored_types": (hybrid_method,)}  # a rule with an SQL form, below
    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("key", name="uq_notice_key"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'cancelled')", name="ck_notice_status"
        ),
        CheckConstraint(
            "kind IN ('coverage_change', 'withdrawal', 'limit_alert', 'payment_extension')",
            name="ck_notice_kind",
        ),
        Index("ix_notice_due", "status", "next_attempt_at"),
        Index("ix_notice_coverage_terms", "coverage_terms_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(default="coverage_change", max_length=30)
    key: str = Field(max_length=200, description="one letter per cause, e.g. coverage_change:7:42")
    coverage_terms_id: int | None = Field(default=None, foreign_key="coverage_terms.id")
    context: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    send_by: date = Field(description="rule N1: the last day that keeps two months' notice")
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_until: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    sent_on: date | None = Field(default=None, description="sent_at's day in the program zone")
    last_error: str | None = None
    acknowledged_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    created_on: date = Field(description="the day the notice was created, program time zone")
    created_at: datetime = db.utcnow_field()
    resends: int = Field(default=0, description="times an administrator queued it again")
    resend_reason: str | None = Field(default=None, max_length=2000)

    @hybrid_method
    def late_on(self, today: date) -> bool:
        """N1: not sent by the end of its ``send_by`` day (``rules.notice.is_notice_late``)."""
        return is_notice_late(self.send_by, self.sent_on, today)

    @late_on.inplace.expression
    @classmethod
    def _late_on_sql(cls, today: date) -> ColumnElement[bool]:
        """The same rule in SQL, for lists: the day judged (sent, else today) > send_by."""
        return func.coalesce(cls.sent_on, today) > cls.send_by


OUTCOMES = ("accepted", "transient", "permanent")


class NoticeAttempt(SQLModel, table=True):
    """One delivery attempt of a notice: the history a resend keeps (配信履歴).

    ``attempt`` counts from 1 over the notice's whole life, across resends; ``address`` is the
    recipient the letter went to at the time (the member's contact e-mail may change later).
    """

    __tablename__ = "notice_attempt"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('accepted', 'transient', 'permanent')", name="ck_notice_attempt_outcome"
        ),
        Index("ix_notice_attempt_notice", "notice_id", "attempt"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id")
    attempt: int
    resend: int = Field(default=0, description="the notice's resend count at the time")
    attempted_at: datetime = Field(sa_type=db.UTCDateTime)
    address: str = Field(max_length=254)
    outcome: str = Field(max_length=10)
    smtp_reply: str | None = None
    message_sha256: str | None = Field(default=None, max_length=64)


class NoticeMessage(SQLModel, table=True):
    """The exact bytes of a delivered message (証跡), one link of the global proof chain.

    ``chain_sha256`` = SHA-256 of the ASCII hex of the previous link's ``chain_sha256`` (64
    zeros for the first) followed by this ``message_sha256``. ``seq`` is the link's position
    (1, 2, …) and ``previous_id`` the previous link's id; neither is a foreign key on purpose:
    deleting a link must be possible to detect, not merely forbidden.
    """

    __tablename__ = "notice_message"
    __table_args__ = (Index("ix_notice_message_notice", "notice_id"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    notice_id: int = Field(foreign_key="notice.id")
    attempt_id: int = Field(foreign_key="notice_attempt.id")
    previous_id: int | None = None
    sent_at: datetime = Field(sa_type=db.UTCDateTime)
    message: bytes = Field(sa_type=LargeBinary)
    message_sha256: str = Field(max_length=64)
    chain_sha256: str = Field(max_length=64)


class NoticeChain(SQLModel, table=True):
    """The head of the proof chain: one row (id 1), locked by every append.

    Locking it serialises appends across processes and hosts (PostgreSQL: ``FOR UPDATE``;
    SQLite: the ``BEGIN IMMEDIATE`` write transaction). It also records the length and last
    hash, so a deleted last link is noticed.
    """

    __tablename__ = "notice_chain"

    id: int = Field(default=1, primary_key=True)
    length: int = 0
    last_message_id: int | None = None
    chain_sha256: str = Field(max_length=64)
