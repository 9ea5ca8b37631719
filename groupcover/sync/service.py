"""Sync runs: walk every member's vendor account and mirror its registrations (issue 4).

A run, in order:

1. takes the database lease ``sync-suppliers`` (one run at a time across hosts; it expires,
   so a crashed runner does not block the next one) and records the run;
2. lists the accounts: every member with a vendor credential is walked; a member without
   one, and a configured vendor account (``VENDOR_ACCOUNT_IDS``) that no member claims, is
   reported in the run; in ``incremental`` mode an account whose token the vendor blocked
   (429) is not contacted again before the block ends (``full`` tries every account);
3. walks the accounts on a thread pool (``SYNC_CONCURRENCY`` at a time, each token throttled
   by the client); each walk is read to the end before anything is decided from it;
4. applies finished walks in this thread, in batches of at least twice the pool size: the
   batch's registrations read in one query and each account diffed by the pure plan
   (``groupcover.sync.plan``); only if something changed, the members are locked, re-read
   and written in one transaction with bulk writes and bulk audit entries.
   An account whose walk failed is recorded as failed and left as it was;
5. records the totals and the status, and gives the lease back.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.sql import Select
from sqlmodel import Session

from groupcover import audit, clock, db, redact
from groupcover.config import ConfigError
from groupcover.errors import Conflict, NotFound
from groupcover.members.models import Member
from groupcover.members.service import set_vendor_credential, vendor_credential
from groupcover.program.service import get_program
from groupcover.suppliers.models import Registration
from groupcover.sync.mapping import UnmappableSupplier, VendorSupplier, map_supplier
from groupcover.sync.models import SyncAccountResult, SyncRun
from groupcover.sync.plan import Existing, Plan, plan_changes
from integrations.panorays.client import (
    AuthFailed,
    BadCredential,
    CursorExpired,
    PanoraysClient,
    PoolManager,
    RateLimited,
    RepeatedCursor,
    Throttle,
    TruncatedWalk,
    VendorError,
    VendorProtocolError,
    VendorUnavailable,
    connection_pool,
)

log = logging.getLogger(__name__)

LEASE_NAME = "sync-suppliers"
VENDOR_BLOCK = timedelta(hours=1)
IN_FLIGHT = 4
BATCH = 2
RESULT_BATCH = 200
GC_YOUNG_THRESHOLD = 50_000
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


class SyncAlreadyRunning(Conflict):
    """Another runner holds the sync lease."""

    def __init__(self) -> None:
        super().__init__("a sync run is already in progress", rule="sync_running")


@dataclass(frozen=True)
class SyncSettings:
    """The sync's settings, read and checked once from the app's configuration."""

    vendor_api_url: str
    concurrency: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 0.5
    max_retry_after: float = 5.0
    requests_per_minute: int = 120
    lease_seconds: int = 600
    vendor_account_ids: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SyncSettings:
        """Raises ConfigError naming the first wrong key."""
        url = str(config.get("VENDOR_API_URL") or "")
        if not url.startswith(("http://", "https://")):
            raise ConfigError("VENDOR_API_URL must be an http(s) URL")
        accounts = config.get("VENDOR_ACCOUNT_IDS") or ()
        if isinstance(accounts, str):
            accounts = [a.strip() for a in accounts.split(",")]
        values: dict[str, Any] = {
            "vendor_api_url": url,
            "vendor_account_ids": tuple(a for a in accounts if a),
        }
        numbers = {
            "concurrency": ("SYNC_CONCURRENCY", int, 1),
            "lease_seconds": ("SYNC_LEASE_SECONDS", int, 30),
            "connect_timeout": ("VENDOR_CONNECT_TIMEOUT", float, 0.001),
            "read_timeout": ("VENDOR_READ_TIMEOUT", float, 0.001),
            "retries": ("VENDOR_RETRIES", int, 0),
            "backoff_factor": ("VENDOR_BACKOFF_FACTOR", float, 0),
            "max_retry_after": ("VENDOR_MAX_RETRY_AFTER", float, 0),
            "requests_per_minute": ("VENDOR_REQUESTS_PER_MINUTE", int, 1),
        }
        for name, (key, kind, minimum) in numbers.items():
            if config.get(key) is None:
                continue
            try:
                value = kind(config[key])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{key} must be a {kind.__name__}") from exc
            if value < minimum:
                raise ConfigError(f"{key} must be at least {minimum}")
            values[name] = value
        if values.get("requests_per_minute", 120) > 150:
            raise ConfigError("VENDOR_REQUESTS_PER_MINUTE above 150 gets tokens blocked")
        return cls(**values)


_throttles: dict[int, Throttle] = {}
_throttles_lock = threading.Lock()


def _throttle(per_minute: int) -> Throttle:
    """One throttle per rate for the whole process, so successive runs count together."""
    with _throttles_lock:
        return _throttles.setdefault(per_minute, Throttle(per_minute))


@dataclass(frozen=True)
class _Account:
    member_id: int
    vendor_account_id: str | None
    token: str = field(repr=False)

    @property
    def label(self) -> str:
        return self.vendor_account_id or f"member-{self.member_id}"


@dataclass
class _Walk:
    """One account's walk: every mapped supplier, or the error that ended it."""

    account: _Account
    suppliers: dict[str, VendorSupplier] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    unreadable_count: int = 0
    pages: int = 0
    restarts: int = 0
    seconds: float = 0.0
    error: Exception | None = None


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
            audit.record(
                session,
                "sync_run.start",
                "sync_run",
                run.id,
                after={"mode": mode, "triggered_by": triggered_by},
                actor=triggered_by,
            )
        return run
    except BaseException:
        db.release_lease(engine, LEASE_NAME, holder)
        raise


def run_sync(engine: Engine, settings: SyncSettings, mode: str, triggered_by: str) -> SyncRun:
    """One whole run in this thread (the CLI's path)."""
    holder = new_holder()
    run = start_run(engine, settings, mode, triggered_by, holder)
    return execute_run(engine, settings, run.id, holder)


def start_in_background(
    app: Flask, settings: SyncSettings, mode: str, triggered_by: str
) -> SyncRun:
    """Start a run and carry it out on a thread of its own, with its own sessions."""
    engine = db.engine()
    holder = new_holder()
    run = start_run(engine, settings, mode, triggered_by, holder)

    def _work() -> None:
        with app.app_context():
            try:
                execute_run(engine, settings, run.id, holder)
            except Exception:
                log.exception("sync run %s crashed", run.id)

    thread = threading.Thread(target=_work, name=f"sync-run-{run.id}", daemon=True)
    app.extensions["groupcover.sync_thread"] = thread
    thread.start()
    return run


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
        for batch in _walk_batches(accounts, settings, tz):
            if not lease_lost and time.monotonic() - renewed > settings.lease_seconds / 3:
                lease_lost = not db.acquire_lease(engine, LEASE_NAME, holder, lease_ttl)
                renewed = time.monotonic()
            if lease_lost:
                for walk in batch:
                    walk.error = RuntimeError("the sync lease expired and another runner took it")
            results = _apply_batch(engine, run_id, batch, run_day, actor, unsaved)
            for walk, result in zip(batch, results, strict=True):
                _count(totals, result, walked=True)
                level = logging.WARNING if result.status == "failed" else logging.DEBUG
                log.log(level, "sync run %s: %s", run_id, account_line(result, walk.account.label))
            if len(unsaved) >= RESULT_BATCH:
                _save_results(engine, unsaved)
    finally:
        _save_results(engine, unsaved)


def _save_results(engine: Engine, results: list[SyncAccountResult]) -> None:
    """Store the results that no registration change carried, in one bulk INSERT."""
    if results:
        with db.transaction(engine) as session:
            _insert_results(session, results)
        results.clear()


def _insert_results(session: Session, results: list[SyncAccountResult]) -> None:
    session.execute(
        insert(SyncAccountResult.__table__), [r.model_dump(exclude={"id"}) for r in results]
    )


def _accounts(
    session: Session, settings: SyncSettings, mode: str, run_id: int
) -> tuple[list[_Account], list[SyncAccountResult]]:
    """The accounts to walk, and the results to report without walking."""
    accounts: list[_Account] = []
    reports: list[SyncAccountResult] = []
    blocked = _blocked_members(session) if mode == "incremental" else {}
    claimed: set[str] = set()
    for member in session.execute(select(Member).order_by(Member.id)).scalars():
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
            accounts.append(_Account(member.id, member.vendor_account_id, token))
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
        .where(SyncAccountResult.member_id.is_not(None))
        .group_by(SyncAccountResult.member_id)
    )
    rows = session.execute(
        select(SyncAccountResult.member_id, SyncAccountResult.retry_at)
        .where(SyncAccountResult.id.in_(latest))
        .where(SyncAccountResult.retry_at > clock.now())
    ).all()
    return {member_id: retry_at for member_id, retry_at in rows}


def _walk_batches(
    accounts: list[_Account], settings: SyncSettings, tz: ZoneInfo
) -> Iterator[list[_Walk]]:
    """Finished walks in batches of at least ``BATCH × concurrency`` (or what is left).

    Batches keep the database round trips per account low; at most ``IN_FLIGHT ×
    concurrency`` accounts are queued or walking, plus one batch held, so memory stays
    bounded however slow the database is.
    """
    throttle = _throttle(settings.requests_per_minute)
    queue = iter(accounts)
    batch_size = BATCH * settings.concurrency
    connections = connection_pool(settings.vendor_api_url, settings.concurrency)
    with (
        ThreadPoolExecutor(settings.concurrency, thread_name_prefix="sync-walk") as pool,
        connections,
    ):
        pending: set[Future[_Walk]] = set()

        def fill() -> None:
            while len(pending) < IN_FLIGHT * settings.concurrency:
                account = next(queue, None)
                if account is None:
                    return
                pending.add(pool.submit(_walk, account, settings, tz, throttle, connections))

        fill()
        ready: list[_Walk] = []
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            fill()
            ready += (future.result() for future in done)
            if len(ready) >= batch_size or not pending:
                yield ready
                ready = []


def _walk(
    account: _Account,
    settings: SyncSettings,
    tz: ZoneInfo,
    throttle: Throttle,
    connections: PoolManager,
) -> _Walk:
    """Read the whole account; on an expired cursor start once more from the beginning."""
    started = time.monotonic()
    walk = _Walk(account)
    while True:
        walk.suppliers, walk.unreadable, walk.unreadable_count = {}, set(), 0
        try:
            with PanoraysClient(
                settings.vendor_api_url,
                account.token,
                label=account.label,
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                retries=settings.retries,
                backoff_factor=settings.backoff_factor,
                max_retry_after=settings.max_retry_after,
                throttle=throttle,
                pool=connections,
            ) as client:
                for page in client.iter_pages():
                    walk.pages += 1
                    _map_page(walk, page, tz)
            break
        except CursorExpired as exc:
            if walk.restarts:
                walk.error = exc
                break
            walk.restarts += 1
        except Exception as exc:  # every failure ends this account only
            walk.error = exc
            break
    if walk.error is not None:
        walk.suppliers, walk.unreadable = {}, set()
    walk.seconds = time.monotonic() - started
    return walk


def _map_page(walk: _Walk, page: list[dict[str, Any]], tz: ZoneInfo) -> None:
    for record in page:
        try:
            supplier = map_supplier(record, tz)
        except UnmappableSupplier as exc:
            walk.unreadable_count += 1
            if exc.vendor_supplier_id != "?":
                walk.unreadable.add(exc.vendor_supplier_id)
            continue
        walk.suppliers[supplier.vendor_supplier_id] = supplier


def _apply_batch(
    engine: Engine,
    run_id: int,
    walks: list[_Walk],
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
    results = [_result(run_id, walk) for walk in walks]
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
                db.for_update(session, select(Member.id).where(Member.id.in_(member_ids)))
            ).all()
            now_versions = _versions(session, member_ids)
            moved = [m for m in member_ids if now_versions.get(m) != versions.get(m)]
            if moved:  # changed by someone else since the read: plan those again
                now_existing = _existing(session, moved)
                for walk, result in changed:
                    if walk.account.member_id in now_existing:
                        plans[walk.account.member_id] = _plan(walk, result, now_existing, run_day)
            _write(session, [(m, plans[m]) for m in member_ids], actor)
            _insert_results(session, results)
        return results
    except Exception as exc:
        if len(walks) > 1:
            return [
                r
                for walk in walks
                for r in _apply_batch(engine, run_id, [walk], run_day, actor, unsaved)
            ]
        log.exception("sync run %s: applying %s failed", run_id, walks[0].account.label)
        walks[0].error = exc
    result = _result(run_id, walks[0])
    unsaved.append(result)
    return [result]


def _result(run_id: int, walk: _Walk) -> SyncAccountResult:
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
    rows = session.execute(
        select(
            Registration.member_id,
            func.count(),
            func.count(Registration.deregistered_on),
            func.max(Registration.id),
            func.max(Registration.updated_at),
        )
        .where(Registration.member_id.in_(member_ids), Registration.vendor_supplier_id.is_not(None))
        .group_by(Registration.member_id)
    )
    return {member_id: tuple(rest) for member_id, *rest in rows}


def _existing(session: Session, member_ids: list[int]) -> dict[int, list[Existing]]:
    """The vendor-linked registrations of several members, in one query."""
    existing: dict[int, list[Existing]] = {member_id: [] for member_id in member_ids}
    if member_ids:
        # Core, not ORM, execution: the ORM's result handling doubled the cost of each row.
        for member_id, *columns in session.connection().execute(
            select(
                Registration.member_id,
                Registration.id,
                Registration.vendor_supplier_id,
                Registration.domain,
                Registration.name,
                Registration.registered_on,
                Registration.deregistered_on,
            ).where(
                Registration.member_id.in_(member_ids),
                Registration.vendor_supplier_id.is_not(None),
            )
        ):
            existing[member_id].append(Existing(*columns))
    return existing


def _plan(
    walk: _Walk, result: SyncAccountResult, existing: dict[int, list[Existing]], run_day: date
) -> Plan:
    """The walk diffed against its member's registrations; the counts go into ``result``."""
    plan = plan_changes(existing[walk.account.member_id], walk.suppliers, walk.unreadable, run_day)
    result.created = len(plan.creates)
    result.updated = len(plan.renames)
    result.deregistered = len(plan.deregistrations)
    return plan


def _write(session: Session, plans: list[tuple[int, Plan]], actor: str) -> None:
    """Bulk INSERT/UPDATE of the plans. The audit trail gets one entry per registration
    updated or deregistered, and one per member listing the registrations created."""
    now = clock.now()
    creates: list[dict[str, Any]] = []
    renames: list[dict[str, Any]] = []
    deregistrations: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for member_id, plan in plans:
        values = [
            {
                "member_id": member_id,
                "vendor_supplier_id": new.vendor_supplier_id,
                "domain": new.domain,
                "name": new.name,
                "registered_on": new.registered_on,
                "deregistered_on": new.deregistered_on,
            }
            for new in plan.creates
        ]
        if values:
            creates += values
            entries.append(
                {
                    "action": "registration.sync_create",
                    "entity": "member",
                    "entity_id": member_id,
                    "after": {
                        "created": len(values),
                        "vendor_supplier_ids": [new.vendor_supplier_id for new in plan.creates],
                    },
                }
            )
        for r in plan.renames:
            renames.append(
                {"id": r.registration.id, "domain": r.domain, "name": r.name, "updated_at": now}
            )
            entries.append(
                {
                    "action": "registration.sync_update",
                    "entity": "registration",
                    "entity_id": r.registration.id,
                    "before": {"domain": r.registration.domain, "name": r.registration.name},
                    "after": {"domain": r.domain, "name": r.name},
                }
            )
        for d in plan.deregistrations:
            deregistrations.append(
                {"id": d.registration.id, "deregistered_on": d.deregistered_on, "updated_at": now}
            )
            entries.append(
                {
                    "action": "registration.sync_deregister",
                    "entity": "registration",
                    "entity_id": d.registration.id,
                    "before": {"deregistered_on": None},
                    "after": {
                        "deregistered_on": d.deregistered_on.isoformat(),
                        "reason": d.reason,
                    },
                }
            )
    if creates:
        _insert_rows(
            session,
            Registration.__table__,
            creates,
            {"source": "sync", "created_at": now, "updated_at": now},
        )
    for changes in (renames, deregistrations):
        if changes:
            session.execute(update(Registration), changes)
    audit.record_many(session, entries, actor=actor)


def _insert_rows(
    session: Session, table: Table, rows: list[dict[str, Any]], constants: dict[str, Any]
) -> None:
    """Bulk INSERT through the driver's executemany, each column's bind processing applied
    here (constants once): for 100,000 rows SQLAlchemy's per-row parameter handling costs more
    than the database itself. Every row has the same keys."""
    connection = session.connection()
    dialect = connection.dialect
    keys = [*rows[0], *constants]
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    processors = {key: table.c[key].type.bind_processor(dialect) for key in keys}
    fixed = {
        key: processors[key](value) if processors[key] else value
        for key, value in constants.items()
    }
    order = list(compiled.positiontup) if compiled.positional else keys
    columns = [(key, processors[key], key in fixed) for key in order]
    params = [
        tuple(
            fixed[key] if is_fixed else (process(row[key]) if process else row[key])
            for key, process, is_fixed in columns
        )
        for row in rows
    ]
    if not compiled.positional:
        params = [dict(zip(order, values, strict=True)) for values in params]
    connection.exec_driver_sql(compiled.string, params)


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


def _close_abandoned_runs(session: Session) -> None:
    """Whoever holds the lease is the only runner: any other 'running' run was abandoned."""
    session.execute(
        update(SyncRun)
        .where(SyncRun.status == "running")
        .values(
            status="failed",
            finished_at=clock.now(),
            error="abandoned: its runner stopped before finishing (lease expired)",
        )
    )


def account_line(result: SyncAccountResult, label: str | None = None) -> str:
    """One line per account for the CLI and the log (never the token)."""
    label = label or result.vendor_account_id or f"member-{result.member_id}"
    member = f" (member {result.member_id})" if result.member_id else ""
    line = f"{label}{member}: {result.status}"
    if result.status == "succeeded":
        line += (
            f" pages={result.pages} suppliers={result.suppliers} created={result.created}"
            f" updated={result.updated} deregistered={result.deregistered}"
        )
        if result.restarts:
            line += f" restarts={result.restarts}"
    if result.reason:
        line += f" [{result.reason}]"
    if result.message:
        line += f" {result.message}"
    return line


def link_credentials(session: Session, tokens: Mapping[str, str]) -> dict[str, int]:
    """Store ``tokens`` ({vendor account id: token}) as the credentials of the members with
    those vendor_account_ids; returns {account id: member id} of those linked (demo aid)."""
    linked = {}
    members = session.execute(select(Member).where(Member.vendor_account_id.in_(list(tokens))))
    for member in members.scalars():
        assert member.id is not None and member.vendor_account_id is not None
        set_vendor_credential(session, member, tokens[member.vendor_account_id])
        linked[member.vendor_account_id] = member.id
    return linked


def run_results(session: Session, run_id: int) -> list[SyncAccountResult]:
    return list(
        session.execute(
            select(SyncAccountResult)
            .where(SyncAccountResult.run_id == run_id)
            .order_by(SyncAccountResult.id)
        ).scalars()
    )


def get_run(session: Session, run_id: int) -> SyncRun:
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound("sync run", run_id)
    return run


def runs_query() -> Select:
    return select(SyncRun).order_by(SyncRun.id.desc())
