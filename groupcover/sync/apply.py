"""Plan and apply: finished walks diffed against the database and written, a batch at a time.

The diff is made in a read-only transaction first: a batch with nothing to change costs one
query. Only if something changed are the members locked, re-read (a member changed by someone
else since the read is planned again) and written in one transaction (``writes``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from groupcover import clock, db, redact
from groupcover.members.models import Member
from groupcover.suppliers.models import Registration
from groupcover.sync.models import SyncAccountResult
from groupcover.sync.plan import Existing, Plan, plan_changes
from groupcover.sync.walk import Walk
from groupcover.sync.writes import insert_results, write_plans
from integrations.panorays.client import (
    AuthFailed,
    BadCredential,
    CursorExpired,
    RateLimited,
    RepeatedCursor,
    TruncatedWalk,
    VendorError,
    VendorProtocolError,
    VendorUnavailable,
)

log = logging.getLogger(__name__)

VENDOR_BLOCK = timedelta(hours=1)
_REASONS: tuple[tuple[type[VendorError], str], ...] = (
    (BadCredential, "bad_credential"),
    (AuthFailed, "auth_failed"),
    (TruncatedWalk, "truncated"),
    (RateLimited, "rate_limited"),
    (CursorExpired, "cursor_expired"),
    (RepeatedCursor, "repeated_cursor"),
    (VendorUnavailable, "unavailable"),
    (VendorProtocolError, "protocol_error"),
)


def apply_batch(
    engine: Engine,
    run_id: int,
    walks: list[Walk],
    run_day: date,
    actor: str,
    unsaved: list[SyncAccountResult],
) -> list[SyncAccountResult]:
    """Apply the complete walks of a batch; return every account's result.

    The diff is first made in a read-only transaction: a batch with nothing to change costs
    one query, and its results join ``unsaved``. Otherwise the changed members are locked,
    re-read and written, and the whole batch's results stored in the same transaction. If
    that fails, each account is tried alone, so one bad account does not fail the others.
    """
    results = [result_of(run_id, walk) for walk in walks]
    complete = [(w, r) for w, r in zip(walks, results, strict=True) if w.error is None]
    try:
        with db.transaction(engine, write=False) as session:
            member_ids = [w.account.member_id for w, _ in complete]
            versions = _versions(session, member_ids)  # first: a later change shows as newer
            existing = _existing(session, member_ids)
        plans = {w.account.member_id: _plan(w, r, existing, run_day) for w, r in complete}
        changed = [(w, r) for w, r in complete if not plans[w.account.member_id].empty]
        if not changed:
            unsaved += results
            return results
        with db.transaction(engine) as session:
            member_ids = sorted(w.account.member_id for w, _ in changed)
            session.execute(
                db.for_update(session, select(col(Member.id)).where(col(Member.id).in_(member_ids)))
            ).all()
            now_versions = _versions(session, member_ids)
            moved = [m for m in member_ids if now_versions.get(m) != versions.get(m)]
            if moved:  # changed by someone else since the read: plan those again
                now_existing = _existing(session, moved)
                for walk, result in changed:
                    if walk.account.member_id in now_existing:
                        plans[walk.account.member_id] = _plan(walk, result, now_existing, run_day)
            write_plans(session, [(m, plans[m]) for m in member_ids], actor)
            insert_results(session, results)
        return results
    except Exception as exc:
        if len(walks) > 1:
            return [
                r
                for walk in walks
                for r in apply_batch(engine, run_id, [walk], run_day, actor, unsaved)
            ]
        log.exception("sync run %s: applying %s failed", run_id, walks[0].account.label)
        walks[0].error = exc
    result = result_of(run_id, walks[0])
    unsaved.append(result)
    return [result]


def result_of(run_id: int, walk: Walk) -> SyncAccountResult:
    """The account's result row for this walk (counts filled in by the plan)."""
    account = walk.account
    result = SyncAccountResult(
        run_id=run_id,
        member_id=account.member_id,
        vendor_account_id=account.vendor_account_id,
        status="succeeded",
        pages=walk.pages,
        suppliers=len(walk.suppliers),
        unreadable=walk.unreadable_count,
        restarts=walk.restarts,
        duration_ms=round(walk.seconds * 1000),
    )
    if walk.unreadable_count:
        result.message = f"{walk.unreadable_count} supplier record(s) without domain or insert_ts"
    if walk.error is not None:
        result.status = "failed"
        result.reason, result.message = _failure(walk.error, account.token)
        if isinstance(walk.error, RateLimited):
            wait_for = walk.error.retry_after
            delay = timedelta(seconds=wait_for) if wait_for else VENDOR_BLOCK
            result.retry_at = clock.now() + delay
    return result


def _failure(error: Exception, token: str) -> tuple[str, str]:
    """The reason and the text of an account's failure: the one place a vendor error becomes
    words, so the one place the credential is taken out (``groupcover.redact``)."""
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason, redact.redact(str(error), [token])
    return "error", redact.describe(error, [token])


def _versions(session: Session, member_ids: list[int]) -> dict[int, tuple]:
    """A fingerprint per member of its vendor-linked registrations: any insert, deregistration
    or update (they all set ``updated_at``) changes it."""
    rows = session.connection().execute(  # Core, not ORM, execution: as in ``_existing``
        select(
            col(Registration.member_id),
            func.count(),
            func.count(col(Registration.deregistered_on)),
            func.max(col(Registration.id)),
            func.max(col(Registration.updated_at)),
        )
        .where(
            col(Registration.member_id).in_(member_ids),
            col(Registration.vendor_supplier_id).is_not(None),
        )
        .group_by(col(Registration.member_id))
    )
    return {member_id: tuple(rest) for member_id, *rest in rows}


def _existing(session: Session, member_ids: list[int]) -> dict[int, list[Existing]]:
    """The vendor-linked registrations of several members, in one query."""
    existing: dict[int, list[Existing]] = {member_id: [] for member_id in member_ids}
    if member_ids:
        # Core, not ORM, execution: the ORM's result handling doubled the cost of each row.
        for member_id, *columns in session.connection().execute(
            select(
                col(Registration.member_id),
                col(Registration.id),
                col(Registration.vendor_supplier_id),
                col(Registration.domain),
                col(Registration.name),
                col(Registration.registered_on),
                col(Registration.deregistered_on),
            ).where(
                col(Registration.member_id).in_(member_ids),
                col(Registration.vendor_supplier_id).is_not(None),
            )
        ):
            existing[member_id].append(Existing(*columns))
    return existing


def _plan(
    walk: Walk, result: SyncAccountResult, existing: dict[int, list[Existing]], run_day: date
) -> Plan:
    """The walk diffed against its member's registrations; the counts go into ``result``."""
    plan = plan_changes(existing[walk.account.member_id], walk.suppliers, walk.unreadable, run_day)
    result.created = len(plan.creates)
    result.updated = len(plan.renames)
    result.deregistered = len(plan.deregistrations)
    return plan
