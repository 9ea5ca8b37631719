"""Bearer tokens (hashed at rest), the two roles, and the current principal.

A token is shown once when created; only its SHA-256 digest is stored. ``admin`` tokens see
everything; a ``member`` token sees only its own member company's data, and another member's
objects answer 404 so that their existence is not revealed.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Literal

from flask import Flask, current_app, g, request
from sqlalchemy import bindparam, select

from groupcover import config, db
from groupcover.errors import AdminOnly, NotFound, Unauthorized
from groupcover.tokens.models import ApiToken

Role = Literal["admin", "member"]
ROLES: tuple[str, ...] = ("admin", "member")


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: int
    name: str
    role: str
    member_id: int | None

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
    _tokens.c.id, _tokens.c.name, _tokens.c.role, _tokens.c.member_id, _tokens.c.revoked_at
).where(_tokens.c.token_hash == bindparam("token_hash"))


_CACHE_MAX_ENTRIES = 10_000


def _authenticate() -> None:
    """Resolve the bearer token to a principal.

    Reads may reuse a principal this worker resolved less than ``TOKEN_CACHE_SECONDS`` ago
    (one query fewer on the hottest path); writes always ask the database. So a revoked
    token stops writing at once and stops reading within ``TOKEN_CACHE_SECONDS`` everywhere
    (at once in the worker that revoked it).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise Unauthorized(
            "a bearer token is required", field="Authorization", rule="auth_required"
        )
    digest = hash_token(plain.strip())
    cache: dict[str, tuple[float, Principal]] = current_app.extensions["groupcover.tokens"]
    ttl = config.settings().TOKEN_CACHE_SECONDS
    now = time.monotonic()
    if request.method in ("GET", "HEAD") and ttl > 0:
        hit = cache.get(digest)
        if hit is not None and now - hit[0] < ttl:
            g.principal = hit[1]
            return
    row = db.connection().execute(_TOKEN_BY_HASH, {"token_hash": digest}).first()
    if row is None or row.revoked_at is not None:
        cache.pop(digest, None)
        raise Unauthorized("unknown or revoked token", field="Authorization", rule="auth_invalid")
    g.principal = Principal(row.id, row.name, row.role, row.member_id)
    if ttl > 0:
        if len(cache) >= _CACHE_MAX_ENTRIES:
            cache.clear()
        cache[digest] = (now, g.principal)


def forget_cached(token_hash: str) -> None:
    """Drop a revoked token from this worker's cache (others expire it within the TTL)."""
    current_app.extensions["groupcover.tokens"].pop(token_hash, None)


def init_app(app: Flask) -> None:
    """Every ``/api/v1`` request needs a valid bearer token."""
    app.extensions["groupcover.tokens"] = {}

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
