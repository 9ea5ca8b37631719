"""Bearer tokens (hashed at rest), the two roles, and the current principal.

A token is shown once when created; only its SHA-256 digest is stored. ``admin`` tokens see
everything; a ``member`` token sees only its own member company's data, and another member's
objects answer 404 so that their existence is not revealed.

Tokens expire (``expires_at``; 401 ``token_expired`` after) and remember when they were last
used (``last_used_at``, written at most once a minute per token and process, so the hot read
path stays free of writes). Failed authentications — an unknown, revoked or expired token —
are counted per client address in the database (``auth_failure``, one upserted row per
address and one-minute window), so the limit ``AUTH_FAILURES_PER_MINUTE`` holds across
workers and hosts; past it the address gets 429 with ``Retry-After``. A successful request
costs no query for this: each process remembers the addresses it saw blocked.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NoReturn

from flask import Flask, current_app, g, request
from sqlalchemy import Connection, bindparam, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.middleware.proxy_fix import ProxyFix

from groupcover import clock, config, db
from groupcover.errors import AdminOnly, DomainError, NotFound, TooManyRequests, Unauthorized
from groupcover.tokens.models import ApiToken, AuthFailure

Role = Literal["admin", "member"]
ROLES: tuple[str, ...] = ("admin", "member")


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: int
    name: str
    role: str
    member_id: int | None
    expires_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        """How the audit trail names this actor (never the token itself)."""
        return f"{self.role}:{self.name}#{self.token_id}"


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


_tokens = ApiToken.__table__
# Built once: every request runs it, so it skips statement construction and the ORM.
_TOKEN_BY_HASH = select(
    _tokens.c.id,
    _tokens.c.name,
    _tokens.c.role,
    _tokens.c.member_id,
    _tokens.c.revoked_at,
    _tokens.c.expires_at,
).where(_tokens.c.token_hash == bindparam("token_hash"))
_TOUCH = (
    update(_tokens)
    .where(_tokens.c.id == bindparam("token_id"))
    .where(or_(_tokens.c.last_used_at.is_(None), _tokens.c.last_used_at <= bindparam("stale")))
    .values(last_used_at=bindparam("now"))
)

_CACHE_MAX_ENTRIES = 10_000
TOUCH_SECONDS = 60.0
WINDOW = timedelta(minutes=1)
_failures = AuthFailure.__table__


def _authenticate() -> None:
    """Resolve the bearer token to a principal.

    Reads may reuse a principal this worker resolved less than ``TOKEN_CACHE_SECONDS`` ago
    (one query fewer on the hottest path); writes always ask the database. So a revoked
    token stops writing at once and stops reading within ``TOKEN_CACHE_SECONDS`` everywhere
    (at once in the worker that revoked it). An address this worker knows to be over its
    failure limit gets 429 before anything else; an unknown, revoked or expired token is
    counted against the address (``_failed``).
    """
    state: _State = current_app.extensions["groupcover.auth"]
    address = request.remote_addr or "unknown"
    now = time.monotonic()
    blocked_until = state.blocked.get(address)
    if blocked_until is not None:
        if blocked_until > now:
            raise _too_many(blocked_until - now)
        del state.blocked[address]
    header = request.headers.get("Authorization", "")
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise Unauthorized(
            "a bearer token is required", field="Authorization", rule="auth_required"
        )
    digest = hash_token(plain.strip())
    cache = state.cache
    ttl = config.settings().TOKEN_CACHE_SECONDS
    if request.method in ("GET", "HEAD") and ttl > 0:
        hit = cache.get(digest)
        if hit is not None and now - hit[0] < ttl and not _expired(hit[1].expires_at):
            g.principal = hit[1]
            _touch(state, hit[1].token_id, now)
            return
    conn = db.connection()
    row = conn.execute(_TOKEN_BY_HASH, {"token_hash": digest}).first()
    if row is None or row.revoked_at is not None:
        cache.pop(digest, None)
        _failed(
            state,
            conn,
            address,
            Unauthorized("unknown or revoked token", field="Authorization", rule="auth_invalid"),
        )
    if _expired(row.expires_at):
        cache.pop(digest, None)
        _failed(
            state,
            conn,
            address,
            Unauthorized("the token has expired", field="Authorization", rule="token_expired"),
        )
    g.principal = Principal(row.id, row.name, row.role, row.member_id, row.expires_at)
    if ttl > 0:
        if len(cache) >= _CACHE_MAX_ENTRIES:
            cache.clear()
        cache[digest] = (now, g.principal)
    _touch(state, row.id, now)


class _State:
    """This process's share of the auth state: the token cache, when each token's
    ``last_used_at`` was last written, and the addresses known to be blocked (until when)."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[float, Principal]] = {}
        self.touched: dict[int, float] = {}
        self.blocked: dict[str, float] = {}

    def clear(self) -> None:
        """Forget everything (tests; the dicts are kept, others may hold them)."""
        self.cache.clear()
        self.touched.clear()
        self.blocked.clear()


def _expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at <= clock.now()


def _touch(state: _State, token_id: int, now: float) -> None:
    """Write ``last_used_at`` when this process has not done so for a minute (one dict lookup
    on every other request); the statement itself skips a row written less than a minute
    ago by another process."""
    last = state.touched.get(token_id)
    if last is not None and now - last < TOUCH_SECONDS:
        return
    if len(state.touched) >= _CACHE_MAX_ENTRIES:
        state.touched.clear()
    state.touched[token_id] = now
    moment = clock.now()
    params = {
        "token_id": token_id,
        "now": moment,
        "stale": moment - timedelta(seconds=TOUCH_SECONDS),
    }
    db.commit_now(db.connection(), _TOUCH, params)


def _too_many(seconds: float) -> TooManyRequests:
    wait = max(1, int(seconds + 0.999))
    return TooManyRequests(
        f"too many failed authentications from this address; try again in {wait} s",
        field="Authorization",
        rule="auth_throttled",
        retry_after=wait,
    )


def _failed(state: _State, conn: Connection, address: str, error: DomainError) -> NoReturn:
    """Count a failed authentication of ``address`` (committed whatever the request does)
    and raise ``error`` — or 429 once the address passed its limit in this window."""
    limit = config.settings().AUTH_FAILURES_PER_MINUTE
    failures, window_start = record_failure(conn, address, clock.now())
    if failures > limit:
        left = (window_start + WINDOW - clock.now()).total_seconds()
        if len(state.blocked) >= _CACHE_MAX_ENTRIES:
            state.blocked.clear()
        state.blocked[address] = time.monotonic() + max(left, 0)
        raise _too_many(left)
    raise error


def record_failure(conn: Connection, address: str, now: datetime) -> tuple[int, datetime]:
    """One more failure for ``address``: a new window when its last one is over. Returns
    (failures in the window, the window's start). One upsert, atomic on both databases."""
    cutoff = bindparam("cutoff", now - WINDOW, type_=db.UTCDateTime)
    moment = bindparam("moment", now, type_=db.UTCDateTime)
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    fresh = _failures.c.window_start <= cutoff
    stmt = (
        insert(_failures)
        .values(address=address, window_start=moment, failures=1)
        .on_conflict_do_update(
            index_elements=[_failures.c.address],
            set_={
                "failures": case((fresh, 1), else_=_failures.c.failures + 1),
                "window_start": case((fresh, moment), else_=_failures.c.window_start),
            },
        )
        .returning(_failures.c.failures, _failures.c.window_start)
    )
    [(failures, window_start)] = db.commit_now(conn, stmt)
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        db.commit_now(conn, delete(_failures).where(_failures.c.window_start < now - 60 * WINDOW))
    return failures, window_start


def forget_cached(token_hash: str) -> None:
    """Drop a revoked token from this worker's cache (others expire it within the TTL)."""
    current_app.extensions["groupcover.auth"].cache.pop(token_hash, None)


def init_app(app: Flask) -> None:
    """Every ``/api/v1`` request needs a valid bearer token."""
    state = app.extensions["groupcover.auth"] = _State()
    app.extensions["groupcover.tokens"] = state.cache
    proxies = app.extensions["groupcover.settings"].TRUSTED_PROXIES
    if proxies:  # the client address from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]

    @app.before_request
    def _require_token() -> None:
        if request.path.startswith("/api/v1/") or request.path == "/api/v1":
            _authenticate()


def current() -> Principal:
    return g.principal


def require_admin() -> Principal:
    """403 for anyone but an administrator."""
    principal = current()
    if not principal.is_admin:
        raise AdminOnly()
    return principal


def require_member_access(member_id: int, entity: str = "member") -> Principal:
    """Admins pass; a member passes for its own id; anyone else gets 404 (not 403)."""
    principal = current()
    if not principal.is_admin and principal.member_id != member_id:
        raise NotFound(entity, member_id)
    return principal


def visible_member_id() -> int | None:
    """None for an admin (sees all), else the member id every query must be limited to."""
    principal = current()
    return None if principal.is_admin else principal.member_id
