"""Issue, list and revoke API tokens. The plain value exists only in ``create_token``'s answer."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import has_app_context
from sqlalchemy import Select, select
from sqlmodel import Session, col

from groupcover import audit, clock, config
from groupcover.auth import ROLES, forget_cached, hash_token
from groupcover.errors import NotFound, TokenMemberMismatch
from groupcover.members.models import Member
from groupcover.tokens.models import ApiToken

TOKEN_PREFIX = "gc_"
DEFAULT_DAYS = 365


def create_token(
    session: Session, *, role: str, name: str, member_id: int | None, days: int | None = None
) -> tuple[ApiToken, str]:
    """Store a new token valid for ``days`` (default ``TOKEN_DAYS``); return it with its plain
    value (the only time that exists)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "member" and (member_id is None or session.get(Member, member_id) is None):
        raise NotFound("member", member_id, field="member_id")
    if role == "admin" and member_id is not None:
        raise ValueError("an admin token belongs to no member")
    if days is None:
        days = config.settings().TOKEN_DAYS if has_app_context() else DEFAULT_DAYS
    now = clock.now()
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=role,
        member_id=member_id,
        token_hash=hash_token(plain),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    return row, plain


def tokens_query() -> Select:
    """Every token, oldest first (never their values)."""
    return select(ApiToken).order_by(col(ApiToken.id))


def issue(
    session: Session,
    *,
    role: str,
    name: str,
    member_id: int | None,
    days: int | None = None,
    actor: str | None = None,
) -> tuple[ApiToken, str]:
    """``create_token`` for people and machines (the API and ``create-token``), checked and
    written to the audit trail (``actor``: who, when not the request's principal)."""
    if (role == "member") != (member_id is not None):
        raise TokenMemberMismatch()
    row, plain = create_token(session, role=role, name=name, member_id=member_id, days=days)
    audit.record(
        session,
        "token.create",
        "api_token",
        row.id,
        after=audit.snapshot(row, exclude=("token_hash",)),
        actor=actor,
    )
    return row, plain


def revoke(session: Session, token_id: int) -> ApiToken:
    """Revoke a token: writes stop at once, reads within TOKEN_CACHE_SECONDS."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        forget_cached(row.token_hash)
        audit.record(session, "token.revoke", "api_token", row.id)
    return row
