"""Users and their sign-in by one-time link.

A link's token is shown once (mailed or printed); only its SHA-256 digest is stored. Opening
it spends it (one UPDATE that succeeds once), and it expires after ``SIGN_IN_LINK_MINUTES``.
Asking for a link answers the same whether the email is known or not; requests are
throttled per email and per client address, counted in the database so that every worker and
host sees the same counts. Emails and names stay out of the audit trail (personal data).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, delete, func, or_, select, update
from sqlmodel import Session, col

from groupcover import audit, clock
from groupcover.auth import ROLES, hash_token
from groupcover.errors import Conflict, DomainError, NotFound, RuleViolation
from groupcover.members.models import Member
from groupcover.users.models import SignInLink, SignInRequest, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PRIVATE = ("email", "name")
LINK_PREFIX = "sl_"


class Throttled(DomainError):
    """Too many sign-in requests for this email or from this address: try again later."""

    status = 429


@dataclass(frozen=True, slots=True)
class UserPrincipal:
    """A signed-in person, shaped like ``auth.Principal`` so services and checks take either."""

    user_id: int
    name: str
    role: str
    member_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        """How the audit trail names a console user."""
        return f"user:{self.name}#{self.user_id}"


@dataclass(frozen=True, slots=True)
class Throttle:
    per_email: int
    per_address: int
    window: timedelta


def principal(user: User) -> UserPrincipal:
    assert user.id is not None
    return UserPrincipal(user.id, user.name, user.role, user.member_id)


def normalise_email(value: str) -> str:
    email = (value or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise RuleViolation("email is not an email address", field="email", rule="email")
    return email


def email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def find_by_email(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(col(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def users_query(
    q: str | None = None, member_id: int | None = None, active: bool | None = None
) -> Select[tuple[User]]:
    """Users, oldest first, filtered by part of name or email, member company, active."""
    stmt = select(User).order_by(col(User.id))
    if q:
        needle = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(needle), col(User.email).like(needle)))
    if member_id is not None:
        stmt = stmt.where(col(User.member_id) == member_id)
    if active is not None:
        stmt = stmt.where(col(User.active).is_(active))
    return stmt


def create_user(
    session: Session, *, email: str, name: str, role: str, member_id: int | None
) -> User:
    """A person who may sign in; a ``member`` user belongs to exactly one member company."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise RuleViolation("name is required", field="name", rule="required")
    if role not in ROLES:
        raise RuleViolation(f"role must be one of {', '.join(ROLES)}", field="role", rule="role")
    if (role == "member") != (member_id is not None):
        raise RuleViolation(
            "a member user needs member_id; an administrator has none",
            field="member_id",
            rule="user_member_id",
        )
    if member_id is not None and session.get(Member, member_id) is None:
        raise NotFound("member", member_id, field="member_id")
    if find_by_email(session, email) is not None:
        raise Conflict("a user with this email exists", field="email", rule="email_unique")
    user = User(email=email, name=name, role=role, member_id=member_id)
    session.add(user)
    session.flush()
    audit.record(
        session, "user.create", "user", user.id, after=audit.snapshot(user, exclude=_PRIVATE)
    )
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    """Deactivate (or reactivate) a user: a deactivated user's session ends on its next page."""
    if user.active != active:
        before = audit.snapshot(user, exclude=_PRIVATE)
        user.active = active
        user.updated_at = clock.now()
        session.flush()
        audit.record(
            session,
            "user.deactivate" if not active else "user.activate",
            "user",
            user.id,
            before=before,
            after=audit.snapshot(user, exclude=_PRIVATE),
        )
    return user


def issue_link(session: Session, user: User, minutes: int) -> str:
    """A new one-time sign-in token for ``user``; returned once, stored as a digest."""
    assert user.id is not None
    plain = LINK_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        SignInLink(
            user_id=user.id,
            token_hash=hash_token(plain),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    session.flush()
    return plain


def redeem_link(session: Session, plain: str) -> User | None:
    """Spend a link: the active user it signs in, or None when unknown, used or expired."""
    now = clock.now()
    table = SignInLink.__table__  # type: ignore[attr-defined]
    user_id = session.execute(
        update(table)
        .where(
            table.c.token_hash == hash_token(plain or ""),
            table.c.used_at.is_(None),
            table.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(table.c.user_id)
    ).scalar_one_or_none()
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    user.last_signed_in_at = now
    audit.record(session, "user.sign_in", "user", user.id, actor=principal(user).label)
    return user


def request_link(
    session: Session, email: str, address: str, minutes: int, throttle: Throttle
) -> tuple[User, str] | None:
    """Count the request; return the user and a new token when the email is a known active
    user, else None. Throttled requests raise ``Throttled`` whether the email is known or not."""
    now = clock.now()
    since = now - throttle.window
    digest = email_digest(email)
    session.execute(delete(SignInRequest).where(col(SignInRequest.at) < now - timedelta(days=1)))
    by_email = session.execute(
        select(func.count())
        .select_from(SignInRequest)
        .where(col(SignInRequest.email_hash) == digest, col(SignInRequest.at) > since)
    ).scalar_one()
    by_address = session.execute(
        select(func.count())
        .select_from(SignInRequest)
        .where(col(SignInRequest.address) == address[:64], col(SignInRequest.at) > since)
    ).scalar_one()
    if by_email >= throttle.per_email or by_address >= throttle.per_address:
        raise Throttled(
            "too many sign-in requests; try again later", field="email", rule="sign_in_throttled"
        )
    session.add(SignInRequest(at=now, email_hash=digest, address=address[:64]))
    session.flush()
    user = find_by_email(session, email)
    if user is None or not user.active:
        return None
    return user, issue_link(session, user, minutes)


def active_principal(session: Session, user_id: int) -> UserPrincipal | None:
    """The principal of an active user (a session's user may have been deactivated)."""
    user = session.get(User, user_id)
    return principal(user) if user is not None and user.active else None
