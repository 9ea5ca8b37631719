"""Sync runs: walk every member's vendor account and mirror its registrations (issue 4).

A run, in order:

1. takes the database lease ``sync-suppliers`` (one run at a time across hosts; it expires,
   so a crashed runner does not block the next one) and records the run — or, for a run an
   administrator queued, marks it ``running`` (``claim_queued_run``, called by the worker);
2. lists the accounts: every member with a vendor credential is walked; a member without
   one, and a configured vendor account (``VENDOR_ACCOUNT_IDS``) that no member claims, is
   reported in the run; in ``incremental`` mode an account whose token the vendor blocked
   (429) is not contacted again before the block ends (``full`` tries every account);
3. walks the accounts on a thread pool (``walk``: ``SYNC_CONCURRENCY`` at a time, each token
   throttled by the client); each walk is read to the end before anything is decided from it;
4. applies finished walks in this thread, in batches (``apply``: the pure plan of
   ``groupcover.sync.plan``, then ``writes``). An account whose walk failed is recorded as
   failed and left as it was;
5. records the totals and the status, and gives the lease back.

Runs happen in the CLI (``sync-suppliers``) or a worker (``flask worker``), never in a web
worker: the garbage-collector tuning below applies to the whole process.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from groupcover import audit, clock, db, redact
from groupcover.errors import Conflict
from groupcover.members.models import Member
from groupcover.members.service import vendor_credential
from groupcover.program.service import get_program
from groupcover.sync.apply import apply_batch
from groupcover.sync.models import SyncAccountResult, SyncRun, account_line
from groupcover.sync.settings import SyncSettings
from groupcover.sync.walk import Account, walk_batches
from groupcover.sync.writes import save_results

log = logging.getLogger(__name__)

LEASE_NAME = "sync-suppliers"
RESULT_BATCH = 200
GC_YOUNG_THRESHOLD = 50_000


class SyncAlreadyRunning(Conflict):
    """Another runner holds the sync lease (or a run is already waiting for a worker)."""

    def __init__(self, message: str = "a sync run is already in progress") -> None:
        super().__init__(message, rule="sync_running")


@dataclass
class _Totals:
    accounts: int = 0
    failed: list[str] = field(default_factory=list)
    pages: int = 0
    created: int = 0
    updated: int = 0
    deregistered: int = 0


def new_holder() -> str:
    """A lease holder name unique to this runner."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def start_run(
    engine: Engine, settings: SyncSettings, mode: str, triggered_by: str, holder: str
) -> SyncRun:
    """Take the lease and record a new run; raises SyncAlreadyRunning if it is held."""
    if not db.acquire_lease(engine, LEASE_NAME, holder, timedelta(seconds=settings.lease_seconds)):
        raise SyncAlreadyRunning()
    try:
        with db.transaction(engine) as session:
            _close_abandoned_runs(session)
            program = get_program(session)
            run = SyncRun(
                mode=mode,
                run_day=clock.today(program.timezone),
                triggered_by=triggered_by,
            )
            session.add(run)
            session.flush()
            _audit_start(session, run)
        return run
    except BaseException:
        db.release_lease(engine, LEASE_NAME, holder)
        raise


def run_sync(engine: Engine, settings: SyncSettings, mode: str, triggered_by: str) -> SyncRun:
    """One whole run in this thread (the CLI's and the scheduled job's path)."""
    holder = new_holder()
    run = start_run(engine, settings, mode, triggered_by, holder)
    assert run.id is not None
    return execute_run(engine, settings, run.id, holder)


def queued_run_can_start(engine: Engine) -> bool:
    """A run is queued and no run holds the lease (one query or two, no write)."""
    with db.transaction(engine, write=False) as session:
        queued = session.execute(
            select(col(SyncRun.id)).where(col(SyncRun.status) == "queued")
        ).first()
        return queued is not None and db.lease_holder(session, LEASE_NAME) is None


def claim_queued_run(engine: Engine, settings: SyncSettings, holder: str) -> int | None:
    """Take the lease and mark the oldest queued run ``running``; its id, or None when no
    run is queued or another runner holds the lease (the queued run then waits)."""
    if not queued_run_can_start(engine):
        return None
    if not db.acquire_lease(engine, LEASE_NAME, holder, timedelta(seconds=settings.lease_seconds)):
        return None
    try:
        with db.transaction(engine) as session:
            run = session.execute(
                select(SyncRun)
                .where(col(SyncRun.status) == "queued")
                .order_by(col(SyncRun.id))
                .limit(1)
            ).scalar_one_or_none()
            if run is None:  # another worker took it between the look and the lease
                db.release_lease(engine, LEASE_NAME, holder)
                return None
            _close_abandoned_runs(session)
            run.status = "running"
            run.started_at = clock.now()
            run.run_day = clock.today(get_program(session).timezone)
            assert run.id is not None
            _audit_start(session, run)
            return run.id
    except BaseException:
        db.release_lease(engine, LEASE_NAME, holder)
        raise


def run_queued(engine: Engine, settings: SyncSettings) -> SyncRun | None:
    """Carry out the oldest queued run, if any and if no other run is under way."""
    holder = new_holder()
    run_id = claim_queued_run(engine, settings, holder)
    return None if run_id is None else execute_run(engine, settings, run_id, holder)


def execute_run(engine: Engine, settings: SyncSettings, run_id: int, holder: str) -> SyncRun:
    """Carry out a started run (the lease is held by ``holder``) and give the lease back."""
    totals = _Totals()
    crash: str | None = None
    try:
        with _rare_cycle_collection():
            _execute(engine, settings, run_id, holder, totals)
    except Exception as exc:
        log.exception("sync run %s failed", run_id)
        crash = f"run stopped: {redact.describe(exc)}"
    finally:
        try:
            run = _finish(engine, run_id, totals, crash)
        finally:
            db.release_lease(engine, LEASE_NAME, holder)
    return run


_gc_lock = threading.Lock()
_gc_runs = 0
_gc_threshold: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def _rare_cycle_collection() -> Iterator[None]:
    """Run the cycle collector less often while a run is under way.

    A run allocates millions of short-lived objects (decoded records, mapped suppliers, row
    tuples) that reference counting frees; with the default threshold of 700 allocations
    the collector ran hundreds of times a run, some of them full collections over every
    object of the process, and took 10-15% of the run's CPU. The previous threshold comes
    back when the last run of the process ends.
    """
    global _gc_runs, _gc_threshold
    with _gc_lock:
        if _gc_runs == 0:
            _gc_threshold = gc.get_threshold()
            gc.set_threshold(max(GC_YOUNG_THRESHOLD, _gc_threshold[0]), *_gc_threshold[1:])
        _gc_runs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs -= 1
            if _gc_runs == 0:
                gc.set_threshold(*_gc_threshold)


def _execute(
    engine: Engine, settings: SyncSettings, run_id: int, holder: str, totals: _Totals
) -> None:
    with db.transaction(engine, write=False) as session:
        run = session.get(SyncRun, run_id)
        assert run is not None
        tz = ZoneInfo(get_program(session).timezone)
        run_day, mode = run.run_day, run.mode
        accounts, reports = _accounts(session, settings, mode, run_id)
    with db.transaction(engine) as session:
        for result in reports:
            session.add(result)
            _count(totals, result, walked=False)
    actor = f"sync-run:{run_id}"
    lease_ttl = timedelta(seconds=settings.lease_seconds)
    renewed = time.monotonic()
    lease_lost = False
    unsaved: list[SyncAccountResult] = []
    try:
        for batch in walk_batches(accounts, settings, tz):
            if not lease_lost and time.monotonic() - renewed > settings.lease_seconds / 3:
                lease_lost = not db.acquire_lease(engine, LEASE_NAME, holder, lease_ttl)
                renewed = time.monotonic()
            if lease_lost:
                for walk in batch:
                    walk.error = RuntimeError("the sync lease expired and another runner took it")
            results = apply_batch(engine, run_id, batch, run_day, actor, unsaved)
            for walk, result in zip(batch, results, strict=True):
                _count(totals, result, walked=True)
                level = logging.WARNING if result.status == "failed" else logging.DEBUG
                log.log(level, "sync run %s: %s", run_id, account_line(result, walk.account.label))
            if len(unsaved) >= RESULT_BATCH:
                save_results(engine, unsaved)
    finally:
        save_results(engine, unsaved)


def _accounts(
    session: Session, settings: SyncSettings, mode: str, run_id: int
) -> tuple[list[Account], list[SyncAccountResult]]:
    """The accounts to walk, and the results to report without walking."""
    accounts: list[Account] = []
    reports: list[SyncAccountResult] = []
    blocked = _blocked_members(session) if mode == "incremental" else {}
    claimed: set[str] = set()
    for member in session.execute(select(Member).order_by(col(Member.id))).scalars():
        assert member.id is not None
        if member.vendor_account_id:
            claimed.add(member.vendor_account_id)
        token = vendor_credential(member)
        if token is None:
            reports.append(
                _report(
                    run_id,
                    member,
                    "skipped",
                    "no_credential",
                    "the member has no vendor credential",
                )
            )
        elif member.id in blocked:
            until = blocked[member.id]
            reports.append(
                _report(
                    run_id,
                    member,
                    "failed",
                    "vendor_block",
                    f"token blocked by the vendor until {until.isoformat()}; "
                    "not contacted (a full run tries anyway)",
                    retry_at=until,
                )
            )
        else:
            accounts.append(Account(member.id, member.vendor_account_id, token))
    for account_id in settings.vendor_account_ids:
        if account_id not in claimed:
            reports.append(
                SyncAccountResult(
                    run_id=run_id,
                    vendor_account_id=account_id,
                    status="skipped",
                    reason="unknown_account",
                    message="no member has this vendor_account_id",
                )
            )
    return accounts, reports


def _report(
    run_id: int,
    member: Member,
    status: str,
    reason: str,
    message: str,
    retry_at: datetime | None = None,
) -> SyncAccountResult:
    return SyncAccountResult(
        run_id=run_id,
        member_id=member.id,
        vendor_account_id=member.vendor_account_id,
        status=status,
        reason=reason,
        message=message,
        retry_at=retry_at,
    )


def _blocked_members(session: Session) -> dict[int, datetime]:
    """Members whose latest account result says the vendor blocks their token until later."""
    latest = (
        select(func.max(SyncAccountResult.id))
        .where(col(SyncAccountResult.member_id).is_not(None))
        .group_by(col(SyncAccountResult.member_id))
    )
    rows = session.execute(
        select(col(SyncAccountResult.member_id), col(SyncAccountResult.retry_at))
        .where(col(SyncAccountResult.id).in_(latest))
        .where(col(SyncAccountResult.retry_at) > clock.now())
    ).all()
    return {member_id: retry_at for member_id, retry_at in rows}


def _count(totals: _Totals, result: SyncAccountResult, *, walked: bool) -> None:
    if walked or result.status == "failed":
        totals.accounts += 1
    if result.status == "failed":
        label = result.vendor_account_id or f"member-{result.member_id}"
        totals.failed.append(f"{label} ({result.reason})")
    totals.pages += result.pages
    totals.created += result.created
    totals.updated += result.updated
    totals.deregistered += result.deregistered


def _finish(engine: Engine, run_id: int, totals: _Totals, crash: str | None) -> SyncRun:
    errors = [crash] if crash else []
    if totals.failed:
        shown = "; ".join(totals.failed[:10])
        more = f"; and {len(totals.failed) - 10} more" if len(totals.failed) > 10 else ""
        errors.append(f"{len(totals.failed)} of {totals.accounts} account(s) failed: {shown}{more}")
    log.info(
        "sync run %s: %d account(s), %d failed, pages=%d created=%d updated=%d deregistered=%d",
        run_id,
        totals.accounts,
        len(totals.failed),
        totals.pages,
        totals.created,
        totals.updated,
        totals.deregistered,
    )
    with db.transaction(engine) as session:
        run = session.get(SyncRun, run_id)
        assert run is not None
        run.status = "failed" if errors else "succeeded"
        run.finished_at = clock.now()
        run.accounts = totals.accounts
        run.accounts_failed = len(totals.failed)
        run.pages = totals.pages
        run.created = totals.created
        run.updated = totals.updated
        run.deregistered = totals.deregistered
        run.error = " | ".join(errors) or None
        audit.record(
            session,
            "sync_run.finish",
            "sync_run",
            run.id,
            after={
                "status": run.status,
                "accounts": run.accounts,
                "accounts_failed": run.accounts_failed,
                "created": run.created,
                "updated": run.updated,
                "deregistered": run.deregistered,
            },
            actor=run.triggered_by,
        )
    return run


def _audit_start(session: Session, run: SyncRun) -> None:
    """The run's start in the audit trail, with who started (or queued) it."""
    audit.record(
        session,
        "sync_run.start",
        "sync_run",
        run.id,
        after={"mode": run.mode, "triggered_by": run.triggered_by},
        actor=run.triggered_by,
    )


def _close_abandoned_runs(session: Session) -> None:
    """Whoever holds the lease is the only runner: any other 'running' run was abandoned."""
    session.execute(
        update(SyncRun)
        .where(col(SyncRun.status) == "running")
        .values(
            status="failed",
            finished_at=clock.now(),
            error="abandoned: its runner stopped before finishing (lease expired)",
        )
    )
