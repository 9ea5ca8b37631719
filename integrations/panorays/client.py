"""Client for the Panorays public API v2 supplier list, over urllib3.

One :class:`PanoraysClient` walks one account (the bearer token decides the account). The
walk is a generator of pages so a 2,000-supplier account never sits in memory twice, and it
is strict about what makes a walk *complete*: it follows ``has_next`` (never the page
length), refuses a cursor it has already seen, and raises a distinct :class:`CursorExpired`
so the caller can restart the walk. Requests go straight through urllib3 (requests'
per-request preparation cost more CPU than the rest of a page), over a pool of kept-alive
connections that every walk of a run may share (:func:`connection_pool`). Transient failures
(5xx, reset connections, timeouts) are retried by urllib3 with backoff; a 429 is never
retried blindly, because passing 150 requests a minute blocks the token for an hour. Every
request, retries included, goes through a per-token :class:`Throttle` (≤ 120 a minute by
default).

The token is a secret: it is kept only in the client's request headers and never appears in
a log line or an exception message; accounts are named by their ``label``. A token that is not
a valid header value is refused before any request (``BadCredential``), and any failure of
the HTTP stack leaves the client as a :class:`VendorError` naming only the failure's type
(never its message, which could quote a header). Records keep only the fields the sync
reads (:data:`FIELDS`, also asked of the server with ``fields=``): supplier contacts are
personal data and are dropped on arrival.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
import urllib3
from urllib3 import PoolManager
from urllib3.exceptions import HTTPError as TransportError
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

RETRY_STATUSES = (500, 502, 503, 504)
# The fields of a supplier record the sync reads (groupcover.sync.mapping); nothing else is kept.
FIELDS = ("id", "name", "primary_domain", "assets", "insert_ts", "approval")
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what a header value may safely carry


class VendorError(Exception):
    """A walk of one vendor account could not be completed."""

    def __init__(self, label: str, message: str) -> None:
        super().__init__(f"{label}: {message}")
        self.label = label


class AuthFailed(VendorError):
    """401/403: the account's token is wrong, revoked or lacks access."""


class BadCredential(AuthFailed):
    """The stored token cannot be sent at all (control, space or non-ASCII characters)."""


class TruncatedWalk(VendorError):
    """A bare-array answer held exactly ``limit`` records: more may exist that it cannot
    reach, so the walk says nothing about which suppliers are gone."""


class RateLimited(VendorError):
    """429 with no (or too long a) ``Retry-After``: the token must be left alone."""

    def __init__(self, label: str, message: str, retry_after: float | None) -> None:
        super().__init__(label, message)
        self.retry_after = retry_after


class CursorExpired(VendorError):
    """The server no longer knows the ``next_token``: the walk must start again."""


class RepeatedCursor(VendorError):
    """The server handed out a cursor already used in this walk: it would loop forever."""


class VendorUnavailable(VendorError):
    """5xx, timeouts or reset connections that outlasted the retries."""


class VendorProtocolError(VendorError):
    """An answer that is not the documented shape (bad JSON, ``has_next`` without ``next``)."""


class Throttle:
    """At most ``per_minute`` requests in any sliding 60-second window, per key.

    Shared by every client of the process, so two walks of the same token (a restart, a
    second run) still count together. Keys are digests of tokens, never tokens.
    """

    def __init__(
        self,
        per_minute: int = 120,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> None:
        """Block until one more request for ``key`` fits in the window, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                sent = self._sent.setdefault(key, deque())
                while sent and sent[0] <= now - self.window:
                    sent.popleft()
                if len(sent) < self.per_minute:
                    sent.append(now)
                    return
                wait = sent[0] + self.window - now
            self._sleep(wait)


DEFAULT_THROTTLE = Throttle()


class _ThrottledRetry(Retry):
    """urllib3 retry policy that also passes each retry through the token's throttle."""

    def __init__(self, *args: Any, before_retry: Callable[[], None] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.before_retry = before_retry

    def new(self, **kw: Any) -> _ThrottledRetry:
        retry = super().new(**kw)
        retry.before_retry = self.before_retry
        return retry

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.before_retry is not None:
            self.before_retry()


class PanoraysClient:
    """Walks the supplier list of one vendor account."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        label: str,
        page_size: int = 100,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retries: int = 3,
        backoff_factor: float = 0.5,
        max_retry_after: float = 5.0,
        throttle: Throttle = DEFAULT_THROTTLE,
        sleep: Callable[[float], None] = time.sleep,
        pool: PoolManager | None = None,
    ) -> None:
        """``pool``: connections shared with other clients (see :func:`connection_pool`);
        by default the client has its own, closed with it."""
        if not 1 <= page_size <= 100:
            raise ValueError("page_size must be between 1 and 100")
        if not _TOKEN_CHARS.fullmatch(token):
            raise BadCredential(
                label, "the stored credential is not a valid token (visible ASCII only)"
            )
        self.url = base_url.rstrip("/") + "/v2/suppliers"
        self.label = label
        self.page_size = page_size
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.max_retry_after = max_retry_after
        self.requests_sent = 0
        self._throttle = throttle
        self._throttle_key = hashlib.sha256(token.encode()).hexdigest()
        self._sleep = sleep
        retry = _ThrottledRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=False,
            raise_on_status=False,
            before_retry=self._count_request,
        )
        self._retry = retry
        self._own_pool = pool is None
        self._pool = connection_pool(base_url) if pool is None else pool
        self._headers = {
            **urllib3.util.make_headers(accept_encoding=True),
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        }

    def close(self) -> None:
        if self._own_pool:
            self._pool.clear()

    def __enter__(self) -> PanoraysClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def iter_pages(self) -> Iterator[list[dict[str, Any]]]:
        """Yield the account's supplier records page by page until ``has_next`` is false.

        Raises a :class:`VendorError` subclass if the walk cannot be completed; pages already
        yielded then do not describe the whole account.
        """
        seen: set[str] = set()
        next_token: str | None = None
        while True:
            body = self._get(next_token)
            if isinstance(body, list):
                if len(body) == self.page_size:
                    raise TruncatedWalk(
                        self.label,
                        f"a bare-array answer of exactly limit={self.page_size} records "
                        "may be truncated",
                    )
                yield _records(self.label, body)
                return
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise VendorProtocolError(self.label, "answer is neither an envelope nor a list")
            yield _records(self.label, body["data"])
            if body.get("has_next") is not True:
                return
            next_token = body.get("next")
            if not isinstance(next_token, str) or not next_token:
                raise VendorProtocolError(self.label, "has_next is true but next is missing")
            if next_token in seen:
                raise RepeatedCursor(self.label, f"cursor repeated after {len(seen)} pages")
            seen.add(next_token)

    def _count_request(self) -> None:
        self._throttle.acquire(self._throttle_key)
        self.requests_sent += 1

    def _get(self, next_token: str | None) -> Any:
        params = {"limit": str(self.page_size), "fields": ",".join(FIELDS)}
        if next_token is not None:
            params["next_token"] = next_token
        while True:
            self._count_request()
            try:
                response = self._pool.request(
                    "GET",
                    self.url,
                    fields=params,
                    headers=self._headers,
                    timeout=self.timeout,
                    retries=self._retry,
                )
            except TransportError as exc:
                reason = getattr(exc, "reason", None) or exc
                raise VendorUnavailable(
                    self.label, f"{type(reason).__name__} after retries"
                ) from None
            except Exception as exc:  # noqa: BLE001 - its message may quote a header
                raise VendorProtocolError(
                    self.label, f"the request could not be sent ({type(exc).__name__})"
                ) from None
            if response.status == 429:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if retry_after is None or retry_after > self.max_retry_after:
                    raise RateLimited(
                        self.label,
                        f"429, Retry-After {response.headers.get('Retry-After', 'absent')}",
                        retry_after,
                    )
                log.info("vendor account %s: 429, retrying after %.1fs", self.label, retry_after)
                self._sleep(retry_after)
                continue
            return self._decode(response, next_token)

    def _decode(self, response: urllib3.BaseHTTPResponse, next_token: str | None) -> Any:
        status = response.status
        if status in (401, 403):
            raise AuthFailed(self.label, f"{status}: token rejected")
        if status == 400 and next_token is not None and _mentions_cursor(response):
            raise CursorExpired(self.label, "next_token expired")
        if status >= 500:
            raise VendorUnavailable(self.label, f"{status} after retries")
        if status != 200:
            raise VendorProtocolError(self.label, f"unexpected status {status}")
        try:
            return _loads(response.data)
        except ValueError as exc:
            raise VendorProtocolError(self.label, "answer is not JSON") from exc


def _loads(data: bytes) -> Any:
    """orjson, twice as fast as ``json`` on a page of suppliers, with the standard parser
    deciding what orjson refuses (NaN, lone surrogates) or reads differently: it reads an
    integer past 64 bits as a float, which only matters for a supplier ``id`` (the one
    number the sync reads). So every answer reads as with ``json`` alone. Raises ValueError
    when it is not JSON."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
    records = body.get("data") if isinstance(body, dict) else body
    if isinstance(records, list) and any(
        isinstance(record, dict) and isinstance(record.get("id"), float) for record in records
    ):
        return json.loads(data)
    return body


def connection_pool(base_url: str, size: int = 1) -> PoolManager:
    """Kept-alive connections to the vendor for up to ``size`` requests at once, through
    the proxy the environment names for ``base_url`` (if any). Thread-safe: one pool serves
    every walk of a run, so an account of one page does not pay a new connection."""
    proxy = _environ_proxy(base_url)
    if proxy:
        return urllib3.ProxyManager(proxy, num_pools=4, maxsize=size)
    return PoolManager(num_pools=4, maxsize=size)


@functools.lru_cache(maxsize=16)
def _environ_proxy(base_url: str) -> str | None:
    """The proxy for ``base_url`` from the environment (``*_proxy``, ``no_proxy``)."""
    return requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url))


def _records(label: str, items: list[Any]) -> list[dict[str, Any]]:
    """The records, each cut down to :data:`FIELDS` (contacts and the rest never kept)."""
    if not all(isinstance(item, dict) for item in items):
        raise VendorProtocolError(label, "a supplier record is not an object")
    return [{key: item[key] for key in FIELDS if key in item} for item in items]


def _retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header, given as delta-seconds or as an HTTP date
    (RFC 9110 §10.2.3); a date in the past is 0. None if absent or unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": UTC, says RFC 5322
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return seconds if seconds >= 0 else None


def _mentions_cursor(response: urllib3.BaseHTTPResponse) -> bool:
    try:
        body = _loads(response.data)
    except ValueError:
        return False
    text = str(body).lower() if isinstance(body, dict) else ""
    return "next_token" in text or "cursor" in text
