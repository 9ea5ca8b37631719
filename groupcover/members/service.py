"""Enrolment of member companies (加入企業) and their vendor credential."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import audit, clock, crypto
from groupcover.errors import (
    InvalidCorporateNumber,
    InvalidVendorToken,
    NotFound,
    VendorAccountTaken,
)
from groupcover.members.models import Member
from groupcover.rules.corporate_number import (
    is_valid_corporate_number,
    normalize_corporate_number,
)

_PRIVATE = ("vendor_credential",)
_CHUNK = 5000  # ids per IN (...) list


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("member", member_id)
    return member


def list_members_query(name: str | None = None, vendor_account_id: str | None = None) -> Select:
    stmt = select(Member).order_by(col(Member.id))
    if name:
        stmt = stmt.where(func.lower(Member.name).contains(name.lower()))
    if vendor_account_id:
        stmt = stmt.where(col(Member.vendor_account_id) == vendor_account_id)
    return stmt


def check_corporate_number(number: str | None) -> None:
    """法人番号: 13 digits whose first digit is the check digit."""
    if number is not None and not is_valid_corporate_number(number):
        raise InvalidCorporateNumber()


def check_vendor_account_free(
    account: str | None, holder: int | None, member_id: int | None = None
) -> None:
    """``vendor_account_id`` is unique: ``holder`` is the member that already has it, if any."""
    if account is not None and holder is not None and holder != member_id:
        raise VendorAccountTaken(account, holder)


def _validate(session: Session, values: dict[str, Any], member_id: int | None = None) -> None:
    if values.get("corporate_number") is not None:
        values["corporate_number"] = normalize_corporate_number(values["corporate_number"])
    check_corporate_number(values.get("corporate_number"))
    account = values.get("vendor_account_id")
    if account is not None:
        holder = session.execute(
            select(col(Member.id)).where(col(Member.vendor_account_id) == account)
        ).scalar_one_or_none()
        check_vendor_account_free(account, holder, member_id)


def create_member(session: Session, values: dict[str, Any]) -> Member:
    """Enrol a member company."""
    _validate(session, values)
    member = Member(**values)
    session.add(member)
    session.flush()
    audit.record(
        session,
        "member.create",
        "member",
        member.id,
        after=audit.snapshot(member, exclude=_PRIVATE),
    )
    return member


def update_member(session: Session, member: Member, changes: dict[str, Any]) -> Member:
    _validate(session, changes, member.id)
    entry = _apply(member, changes, clock.now())
    session.flush()
    audit.record(session, **entry)
    return member


def update_members(session: Session, changes: Mapping[int, dict[str, Any]]) -> None:
    """``update_member`` for many members at once, whose new values the caller has already
    checked by the same rules (the CSV import checks a whole file before it writes): one
    flush and one bulk audit insert, with the same ``member.update`` entry per member."""
    ids = sorted(changes)
    now = clock.now()
    entries = []
    for start in range(0, len(ids), _CHUNK):
        members = session.execute(
            select(Member).where(col(Member.id).in_(ids[start : start + _CHUNK]))
        ).scalars()
        entries += [_apply(member, changes[member.id], now) for member in members]
    session.flush()
    audit.record_many(session, entries)


def _apply(member: Member, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Set the changed fields; the audit entry (before and after) that describes it."""
    before = audit.snapshot(member, exclude=_PRIVATE)
    for key, value in changes.items():
        setattr(member, key, value)
    member.updated_at = now
    return {
        "action": "member.update",
        "entity": "member",
        "entity_id": member.id,
        "before": before,
        "after": audit.snapshot(member, exclude=_PRIVATE),
    }


_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


def clean_vendor_token(token: str) -> str:
    """The token without surrounding whitespace; 422 unless it is visible ASCII (what an
    HTTP header can carry: no control characters, spaces inside or non-ASCII letters). The
    message never quotes the token."""
    token = token.strip()
    if not _TOKEN_CHARS.fullmatch(token):
        raise InvalidVendorToken()
    return token


def set_vendor_credential(session: Session, member: Member, token: str) -> None:
    """Store the member's vendor API token encrypted; the audit trail notes only the fact."""
    token = clean_vendor_token(token)
    had = member.vendor_credential is not None
    member.vendor_credential = crypto.encrypt(token)
    member.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        "member.vendor_credential.set",
        "member",
        member.id,
        before={"has_vendor_credential": had},
        after={"has_vendor_credential": True},
    )


def delete_vendor_credential(session: Session, member: Member) -> None:
    """Forget the member's vendor API token (its account is no longer synced)."""
    had = member.vendor_credential is not None
    member.vendor_credential = None
    member.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        "member.vendor_credential.delete",
        "member",
        member.id,
        before={"has_vendor_credential": had},
        after={"has_vendor_credential": False},
    )


def vendor_credential(member: Member) -> str | None:
    """The member's vendor API token in clear, for the sync job only."""
    return None if member.vendor_credential is None else crypto.decrypt(member.vendor_credential)
