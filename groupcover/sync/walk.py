"""The vendor walk: every account read to its end on a thread pool, in batches.

Each walk is read completely before anything is decided from it; a walk that failed carries
its error and no suppliers. At most ``IN_FLIGHT × concurrency`` accounts are queued or walking,
so memory stays bounded however slow the database is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from groupcover.sync.mapping import UnmappableSupplier, VendorSupplier, map_supplier
from groupcover.sync.settings import SyncSettings
from integrations.panorays.client import (
    CursorExpired,
    PanoraysClient,
    PoolManager,
    Throttle,
    connection_pool,
)

# While the run's thread applies a batch, nothing new is handed to the pool: the accounts
# already queued must keep the walkers busy until it comes back. With 4 × concurrency they ran
# dry behind the first full sync's bigger batches on PostgreSQL (walkers busy 81-88 % of the
# run); with 8 ×, 93-94 %, and the same peak memory in bench/sync.py.
IN_FLIGHT = 8
BATCH = 2

_throttles: dict[int, Throttle] = {}
_throttles_lock = threading.Lock()


def _throttle(per_minute: int) -> Throttle:
    """One throttle per rate for the whole process, so successive runs count together."""
    with _throttles_lock:
        return _throttles.setdefault(per_minute, Throttle(per_minute))


@dataclass(frozen=True)
class Account:
    member_id: int
    vendor_account_id: str | None
    token: str = field(repr=False)

    @property
    def label(self) -> str:
        return self.vendor_account_id or f"member-{self.member_id}"


@dataclass
class Walk:
    """One account's walk: every mapped supplier, or the error that ended it."""

    account: Account
    suppliers: dict[str, VendorSupplier] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    unreadable_count: int = 0
    pages: int = 0
    restarts: int = 0
    seconds: float = 0.0
    error: Exception | None = None


def walk_batches(
    accounts: list[Account], settings: SyncSettings, tz: ZoneInfo
) -> Iterator[list[Walk]]:
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
        pending: set[Future[Walk]] = set()

        def fill() -> None:
            while len(pending) < IN_FLIGHT * settings.concurrency:
                account = next(queue, None)
                if account is None:
                    return
                pending.add(pool.submit(walk_account, account, settings, tz, throttle, connections))

        fill()
        ready: list[Walk] = []
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            fill()
            ready += (future.result() for future in done)
            if len(ready) >= batch_size or not pending:
                yield ready
                ready = []


def walk_account(
    account: Account,
    settings: SyncSettings,
    tz: ZoneInfo,
    throttle: Throttle,
    connections: PoolManager,
) -> Walk:
    """Read the whole account; on an expired cursor start once more from the beginning."""
    started = time.monotonic()
    walk = Walk(account)
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


def _map_page(walk: Walk, page: list[dict[str, Any]], tz: ZoneInfo) -> None:
    for record in page:
        try:
            supplier = map_supplier(record, tz)
        except UnmappableSupplier as exc:
            walk.unreadable_count += 1
            if exc.vendor_supplier_id != "?":
                walk.unreadable.add(exc.vendor_supplier_id)
            continue
        walk.suppliers[supplier.vendor_supplier_id] = supplier
