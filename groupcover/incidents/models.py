"""Incidents (事故), their cost lines (費用損害) and the payments made on them (保険金).

Money is whole yen in BIGINT columns. The victims' names and addresses (被害者の住所・氏名)
are personal data: only their Fernet ciphertext is stored (``victims_encrypted``).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from groupcover import db


class Incident(SQLModel, table=True):
    """One reported incident of a member company or of one of its registered suppliers."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("paid_yen >= 0 AND claimed_yen >= 0", name="ck_incident_money"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", index=True)
    term_id: int | None = Field(
        default=None,
        foreign_key="term.id",
        index=True,
        description="the member's coverage period (term) containing occurred_on; its limits",
    )
    occurred_on: date
    occurred_at: time | None = None
    discovered_on: date
    known_on: date | None = Field(
        default=None, description="when the insured first knew of the situation (exclusion ⑩)"
    )
    place: str = Field(max_length=500)
    circumstances: str = Field(sa_type=Text)
    cause: str = Field(max_length=30)
    attack_occurred: bool = Field(
        default=False, description="a suspected attack turned out to be an actual attack"
    )
    victims_encrypted: str = Field(sa_type=Text)
    covered: bool
    period_start: date | None = Field(
        default=None, description="the insured's coverage period (C1) found on occurred_on"
    )
    period_end: date | None = None
    reason: str | None = Field(default=None, max_length=50)
    reason_text: str | None = Field(default=None, max_length=500)
    documents: dict = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False),
        description="claim documents of seed 004 §5⑦: code → {requested, received_on}",
    )
    completed_on: date | None = None
    pay_by: date | None = Field(default=None, index=True)
    pay_by_extension_reason: str | None = Field(
        default=None, max_length=1000, description="why pay_by is later than 30 days (§6①)"
    )
    claimed_yen: int = Field(default=0, sa_type=BigInteger)
    paid_yen: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = db.utcnow_field()
    updated_at: datetime = db.utcnow_field()


class CostLine(SQLModel, table=True):
    """One claimed cost of an incident, in a category the cause allows (seed 004 §3)."""

    __tablename__ = "incident_cost"
    __table_args__ = (CheckConstraint("amount_yen > 0", name="ck_incident_cost_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    category: str = Field(max_length=40)
    item: str | None = Field(default=None, max_length=2)
    amount_yen: int = Field(sa_type=BigInteger)
    incurred_on: date
    description: str = Field(max_length=1000)
    created_at: datetime = db.utcnow_field()


class Payment(SQLModel, table=True):
    """One payment on an incident; counted in the incident's and the term's paid totals."""

    __tablename__ = "incident_payment"
    __table_args__ = (CheckConstraint("amount_yen > 0", name="ck_incident_payment_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    amount_yen: int = Field(sa_type=BigInteger)
    paid_on: date
    created_at: datetime = db.utcnow_field()
