"""Registering and deregistering suppliers by hand (the sync job has its own path)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import audit, clock
from groupcover.errors import (
    InvalidDomain,
    LastDayBeforeRegistration,
    NotFound,
    RegistrationAlreadyEnded,
    RegistrationsOverlap,
    SupplierAlreadyRegistered,
)
from groupcover.members.service import get_member
from groupcover.rules.domains import normalise_domain
from groupcover.rules.periods import Span
from groupcover.suppliers.models import Registration
from groupcover.terms.service import lock_member

_T = TypeVar("_T", bound=tuple[Any, ...])


def parse_domain(value: str, field: str = "domain") -> str:
    try:
        return normalise_domain(value)
    except ValueError as exc:
        raise InvalidDomain(str(exc), field) from exc


def active_on(stmt: Select[_T], day: date | ColumnElement[date]) -> Select[_T]:
    """Limit a registration query to those that count on ``day`` (both ends inclusive)."""
    ended = col(Registration.deregistered_on)
    return stmt.where(col(Registration.registered_on) <= day).where(
        or_(ended.is_(None), ended >= day)
    )


def registrations_query(
    member_id: int, active_day: date | None = None, domain: str | None = None
) -> Select:
    stmt = (
        select(Registration)
        .where(col(Registration.member_id) == member_id)
        .order_by(col(Registration.id))
    )
    if active_day is not None:
        stmt = active_on(stmt, active_day)
    if domain:
        stmt = stmt.where(col(Registration.domain) == parse_domain(domain))
    return stmt


def get_registration(session: Session, member_id: int, registration_id: int) -> Registration:
    reg = session.get(Registration, registration_id)
    if reg is None or reg.member_id != member_id:
        raise NotFound("registration", registration_id)
    return reg


def check_registration_fits(
    domain: str, registered_on: date, others: Iterable[tuple[int | None, Span]]
) -> None:
    """A member registers a domain once at a time: no active registration of it, and the new
    span (open from ``registered_on``) may not share a day with an earlier one."""
    new = Span(registered_on)
    for other_id, span in others:
        if span.end is None:
            raise SupplierAlreadyRegistered(domain, other_id)
        if span.overlaps(new):
            raise RegistrationsOverlap(domain, span.end, other_id)


def register(
    session: Session,
    member_id: int,
    *,
    domain: str,
    name: str,
    registered_on: date,
    vendor_supplier_id: str | None = None,
) -> Registration:
    """Register a supplier by hand; its span may not overlap another of the same domain."""
    domain = parse_domain(domain)
    get_member(session, member_id)
    lock_member(session, member_id)
    check_registration_fits(
        domain,
        registered_on,
        [
            (other.id, other.span)
            for other in session.execute(
                select(Registration).where(
                    col(Registration.member_id) == member_id, col(Registration.domain) == domain
                )
            ).scalars()
        ],
    )
    reg = Registration(
        member_id=member_id,
        domain=domain,
        name=name,
        registered_on=registered_on,
        vendor_supplier_id=vendor_supplier_id,
        source="manual",
    )
    session.add(reg)
    session.flush()
    audit.record(session, "registration.create", "registration", reg.id, after=audit.snapshot(reg))
    return reg


def deregister(
    session: Session, member_id: int, registration_id: int, last_day: date
) -> Registration:
    """End a registration: ``last_day`` is the last day it counts."""
    lock_member(session, member_id)
    reg = get_registration(session, member_id, registration_id)
    if reg.deregistered_on is not None:
        raise RegistrationAlreadyEnded(reg.id, reg.deregistered_on)
    if last_day < reg.registered_on:
        raise LastDayBeforeRegistration(reg.registered_on)
    before = audit.snapshot(reg)
    reg.deregistered_on = last_day
    reg.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        "registration.deregister",
        "registration",
        reg.id,
        before=before,
        after=audit.snapshot(reg),
    )
    return reg
