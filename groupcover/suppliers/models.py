from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from groupcover import db
from groupcover.rules.periods import Span

SOURCES = ("sync", "manual")


class Registration(SQLModel, table=True):
    """One member's registration of one supplier, identified by its normalised domain.

    Counts from ``registered_on`` through ``deregistered_on`` (inclusive; None while active).
    A supplier that comes back gets a new row: spans are never reopened.
    """

    __tablename__ = "registration"
    __table_args__ = (
        CheckConstraint(
            "deregistered_on IS NULL OR deregistered_on >= registered_on",
            name="ck_registration_dates",
        ),
        CheckConstraint("source IN ('sync', 'manual')", name="ck_registration_source"),
        # The coverage answer: a domain's registrations in member order, with the columns
        # that decide whether one counts on a day (pages and counts read this index alone).
        Index(
            "ix_registration_domain_member",
            "domain",
            "member_id",
            "registered_on",
            "deregistered_on",
        ),
        Index("ix_registration_member_domain", "member_id", "domain"),
        Index(
            "uq_registration_active_vendor_id",
            "member_id",
            "vendor_supplier_id",
            unique=True,
            sqlite_where=text("deregistered_on IS NULL AND vendor_supplier_id IS NOT NULL"),
            postgresql_where=text("deregistered_on IS NULL AND vendor_supplier_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    domain: str = Field(max_length=253)
    name: str = Field(max_length=300)
    vendor_supplier_id: str | None = Field(default=None, max_length=100)
    registered_on: date
    deregistered_on: date | None = None
    source: str = Field(default="manual", max_length=10)
    created_at: datetime = db.utcnow_field()
    updated_at: datetime = db.utcnow_field()

    @property
    def span(self) -> Span:
        return Span(self.registered_on, self.deregistered_on)
