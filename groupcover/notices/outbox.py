"""The one outbox every letter of the program goes through (``Notice`` rows).

A service that must tell a member something calls ``enqueue`` inside its own transaction: the
letter is queued if and only if the change that causes it commits, and ``send-notices`` (or the
worker) delivers it later. ``key`` names the cause (``limit_alert:<term>:<threshold>``, …): the
database refuses a second notice with the same key, so concurrent transactions that reach the
same cause queue exactly one letter between them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from groupcover import audit, clock, db
from groupcover.notices.models import KINDS, Notice


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    member_id: int,
    today: date,
    send_by: date | None = None,
    coverage_terms_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> Notice | None:
    """Queue one letter; None (and nothing written) when a notice with ``key`` already exists.

    ``send_by`` is the last day the letter may go out on time (rule N1 for coverage changes);
    by default the letter is due the day it is queued. ``context`` must be JSON-safe: what the
    letter's template needs beyond the program, the member and the coverage-terms version.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    values = {
        "kind": kind,
        "key": key,
        "member_id": member_id,
        "coverage_terms_id": coverage_terms_id,
        "context": context,
        "send_by": send_by or today,
        "status": "pending",
        "attempts": 0,
        "created_on": today,
        "created_at": clock.now(),
    }
    dialect = postgresql if db.is_postgres(session) else sqlite
    inserted = session.execute(
        dialect.insert(Notice)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Notice.id)
    ).scalar_one_or_none()
    if inserted is None:
        return None
    notice = session.execute(select(Notice).where(Notice.id == inserted)).scalar_one()
    audit.record(
        session,
        "notice.create",
        "notice",
        notice.id,
        after={"kind": kind, "key": key, "member_id": member_id, "send_by": str(notice.send_by)},
    )
    return notice


def coverage_change_key_prefix(coverage_terms_id: int) -> str:
    """Every member's notice of one version has this key followed by the member's id."""
    return f"coverage_change:{coverage_terms_id}:"


def coverage_change_key(coverage_terms_id: int, member_id: int) -> str:
    """The key of the notice telling ``member_id`` of version ``coverage_terms_id``."""
    return f"{coverage_change_key_prefix(coverage_terms_id)}{member_id}"
