"""Proof of notice (通知の証跡): the exact bytes of every delivered letter in a hash chain.

Every message the SMTP server accepted is stored as sent, with ``message_sha256`` (of those
bytes) and ``chain_sha256`` = SHA-256 of the previous link's ``chain_sha256`` and this
``message_sha256``, both as lowercase hex, concatenated (the first link's predecessor is 64
zeros). Anyone can recompute a link with ``printf %s PREV MSG | sha256sum``. The chain is global
across notices, in the order the messages were stored; ``verify`` walks it.

Appends are serialised by locking the chain's head row (``notice_chain``, id 1): PostgreSQL
``SELECT … FOR UPDATE``, SQLite the ``BEGIN IMMEDIATE`` of a write transaction. Senders on
several hosts therefore append one at a time, and no two links share a predecessor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from groupcover.notices.models import NoticeAttempt, NoticeChain, NoticeMessage

GENESIS = "0" * 64


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def link_hash(previous_chain_sha256: str, message_sha256: str) -> str:
    """One link of the chain: SHA-256 of the two hex digests, concatenated."""
    return sha256_hex((previous_chain_sha256 + message_sha256).encode("ascii"))


_HEAD = NoticeChain.__table__
_LINKS = NoticeMessage.__table__
_READ_HEAD = select(_HEAD.c.length, _HEAD.c.last_message_id, _HEAD.c.chain_sha256).where(
    _HEAD.c.id == 1
)
_INSERT_LINK = insert(_LINKS).returning(_LINKS.c.id)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1)


def _locked_head(conn: Connection) -> tuple[int, int | None, str]:
    """The chain's head (length, last link's id, its hash), created if missing, locked until
    the transaction ends."""
    postgres = conn.dialect.name == "postgresql"
    stmt = _READ_HEAD.with_for_update() if postgres else _READ_HEAD
    row = conn.execute(stmt).first()
    if row is None:
        values = {"id": 1, "length": 0, "last_message_id": None, "chain_sha256": GENESIS}
        upsert = pg_insert if postgres else sqlite_insert
        conn.execute(upsert(_HEAD).values(**values).on_conflict_do_nothing())
        row = conn.execute(stmt).one()
    return row[0], row[1], row[2]


def append(
    executor: Session | Connection,
    notice_id: int,
    attempt_id: int,
    message: bytes,
    sent_at: datetime,
) -> NoticeMessage:
    """Store ``message`` as the chain's next link. Call inside a write transaction.

    Core statements, not the ORM: ``send-notices`` appends once per letter."""
    conn = executor.connection() if isinstance(executor, Session) else executor
    length, last_id, last_chain = _locked_head(conn)
    digest = sha256_hex(message)
    link = NoticeMessage(
        seq=length + 1,
        notice_id=notice_id,
        attempt_id=attempt_id,
        previous_id=last_id,
        sent_at=sent_at,
        message=message,
        message_sha256=digest,
        chain_sha256=link_hash(last_chain, digest),
    )
    link.id = conn.execute(
        _INSERT_LINK,
        {
            "seq": link.seq,
            "notice_id": notice_id,
            "attempt_id": attempt_id,
            "previous_id": last_id,
            "sent_at": sent_at,
            "message": message,
            "message_sha256": digest,
            "chain_sha256": link.chain_sha256,
        },
    ).scalar_one()
    conn.execute(
        _MOVE_HEAD,
        {"length": link.seq, "last_message_id": link.id, "chain_sha256": link.chain_sha256},
    )
    return link


def latest_message(
    session: Session, notice_id: int, attempt: int | None = None
) -> NoticeMessage | None:
    """The last message delivered for the notice, or the one of attempt number ``attempt``."""
    stmt = select(NoticeMessage).where(NoticeMessage.notice_id == notice_id)
    if attempt is not None:
        stmt = stmt.join(NoticeAttempt, NoticeAttempt.id == NoticeMessage.attempt_id).where(
            NoticeAttempt.attempt == attempt
        )
    return session.execute(stmt.order_by(NoticeMessage.seq.desc()).limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold: which link, and what is wrong with it."""

    message_id: int | None
    notice_id: int | None
    seq: int
    problem: str

    def __str__(self) -> str:
        where = (
            f"link {self.seq} (message {self.message_id}, notice {self.notice_id})"
            if self.message_id is not None
            else f"link {self.seq}"
        )
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    checked: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _links(session: Session) -> Iterator[NoticeMessage]:
    stmt = select(NoticeMessage).order_by(NoticeMessage.seq).execution_options(yield_per=500)
    for link in session.execute(stmt).scalars():
        yield link
        session.expunge(link)


def verify(session: Session) -> Verification:
    """Walk the chain from its first link; the first link that does not hold, if any."""
    previous: NoticeMessage | None = None
    checked = 0
    for link in _links(session):
        expected_seq = 1 if previous is None else previous.seq + 1
        problem = _check(link, previous, expected_seq)
        if problem is not None:
            return Verification(checked, problem)
        previous, checked = link, checked + 1
    head = session.get(NoticeChain, 1)
    if head is not None and head.length > checked:
        return Verification(
            checked, Break(None, None, checked + 1, f"missing: the head records {head.length}")
        )
    last_chain = GENESIS if previous is None else previous.chain_sha256
    if head is not None and head.chain_sha256 != last_chain:
        return Verification(
            checked,
            Break(None, None, checked, "the chain head's hash differs from the last link's"),
        )
    return Verification(checked, None)


def _check(link: NoticeMessage, previous: NoticeMessage | None, seq: int) -> Break | None:
    def broken(problem: str) -> Break:
        return Break(link.id, link.notice_id, link.seq, problem)

    if link.seq != seq:
        return Break(None, None, seq, f"missing (the next stored link is {link.seq})")
    previous_id = None if previous is None else previous.id
    if link.previous_id != previous_id:
        return broken(f"points to message {link.previous_id}, not to {previous_id}")
    if sha256_hex(link.message) != link.message_sha256:
        return broken("the stored message does not match its message_sha256")
    previous_chain = GENESIS if previous is None else previous.chain_sha256
    if link_hash(previous_chain, link.message_sha256) != link.chain_sha256:
        return broken("chain_sha256 does not follow from the previous link and this message")
    return None
