"""The audit trail: who changed what, when, with the values before and after.

Services call ``record`` inside the same transaction as the change, so a change and its
entry commit or vanish together. Secrets and personal data are never passed in: callers
give ``snapshot(obj, exclude=...)`` of the fields that may be kept.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, select
from sqlmodel import Session, col

from groupcover import clock, db
from groupcover.audit.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def snapshot(obj: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The object's column values as JSON-safe data, without the excluded fields."""
    return {
        key: _jsonable(getattr(obj, key))
        for key in obj.__class__.model_fields
        if key not in exclude
    }


def current_actor(default: str = "system") -> str:
    if has_request_context() and "principal" in g:
        return g.principal.label
    return g.get("actor", default) if has_request_context() else default


def record(
    session: Session,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Add one audit entry to the session (committed with the change it describes)."""
    session.add(
        AuditEntry(
            actor=actor or current_actor(),
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def record_read(session: Session, action: str, entity: str, entity_id: int | None) -> None:
    """Note that personal data was read: who (the principal), when, which object — never the
    data. In a read-only request the session's read transaction is ended first, so the entry
    starts a transaction of its own (on SQLite, never an upgrade of a stale snapshot)."""
    if not db.is_writing():
        session.commit()
    record(session, action, entity, entity_id)


def record_many(
    session: Session, entries: list[dict[str, Any]], *, actor: str | None = None
) -> None:
    """``record`` for a job that changes many rows at once: one bulk INSERT
    (``db.insert_many``: ``COPY`` on PostgreSQL).

    Each entry holds ``action``, ``entity``, ``entity_id`` and optionally ``before``/``after``.
    """
    if not entries:
        return
    db.insert_many(
        session.connection(),
        db.table(AuditEntry),
        [{"before": None, "after": None, **entry} for entry in entries],
        {"at": clock.now(), "actor": actor or current_actor()},
    )


def entries_query(filters: dict[str, Any]) -> Select:
    """Audit entries, newest first, filtered by any of ``entity``, ``entity_id``, ``action``."""
    stmt = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    for key in ("entity", "entity_id", "action"):
        if key in filters:
            stmt = stmt.where(getattr(AuditEntry, key) == filters[key])
    return stmt
