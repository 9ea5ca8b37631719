"""Incidents (事故), their cost lines (費用損害), the insurer's decision, deductions, the
payments made on them (保険金) and the dated events of the claim (its timeline).

Money is whole yen in BIGINT columns. The victims' names and addresses (被害者の住所・氏名)
are personal data: only their Fernet ciphertext is stored (``victims_encrypted``). The
incident row keeps running totals (claimed, approved, deducted, paid) that every change
updates under a row lock, so lists and checks never add up history.
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
        CheckConstraint(
            "paid_yen >= 0 AND claimed_yen >= 0 AND approved_yen >= 0 AND deducted_yen >= 0",
            name="ck_incident_money",
        ),
        CheckConstraint(
            "status IN ('reported', 'claim_complete', 'accepted', 'declined', 'paid')",
            name="ck_incident_status",
        ),
        CheckConstraint(
            "decision IS NULL OR decision IN ('accepted', 'declined')", name="ck_incident_decision"
        ),
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
    confirmed_on: date | None = Field(
        default=None, description="the day a suspected attack was confirmed as an attack"
    )
    victims_encrypted: str = Field(sa_type=Text)
    victims_count: int | None = Field(default=None, description="None: counted when read")
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
    extension_detail: str | None = Field(
        default=None, max_length=1000, description="what must be confirmed, in the letter"
    )
    status: str = Field(default="reported", max_length=20, index=True)
    decision: str | None = Field(default=None, max_length=10)
    exclusion: str | None = Field(default=None, max_length=2, description="§4 ①–⑲ as 1…19")
    decided_on: date | None = None
    decision_note: str | None = Field(default=None, sa_type=Text, description="internal")
    claimed_yen: int = Field(default=0, sa_type=BigInteger)
    approved_yen: int = Field(default=0, sa_type=BigInteger)
    deducted_yen: int = Field(default=0, sa_type=BigInteger)
    paid_yen: int = Field(default=0, sa_type=BigInteger, description="net of reversals")
    created_at: datetime = db.utcnow_field()
    updated_at: datetime = db.utcnow_field()


class CostLine(SQLModel, table=True):
    """One claimed cost of an incident, in a cost group and category the seed 004 §3 table
    allows for the incident's cause; ``approved_yen`` is what the insurer approved of it."""

    __tablename__ = "incident_cost"
    __table_args__ = (
        CheckConstraint("amount_yen > 0", name="ck_incident_cost_amount"),
        CheckConstraint(
            "approved_yen IS NULL OR (approved_yen >= 0 AND approved_yen <= amount_yen)",
            name="ck_incident_cost_approved",
        ),
        CheckConstraint(
            "(persons IS NULL AND unit_yen IS NULL) OR (persons > 0 AND unit_yen > 0)",
            name="ck_incident_cost_per_person",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    group: str = Field(max_length=20)
    category: str = Field(max_length=40)
    item: str | None = Field(default=None, max_length=2)
    amount_yen: int = Field(sa_type=BigInteger)
    persons: int | None = Field(default=None, description="個人見舞費用: how many people")
    unit_yen: int | None = Field(default=None, sa_type=BigInteger, description="per person")
    approved_yen: int | None = Field(default=None, sa_type=BigInteger)
    incurred_on: date
    description: str = Field(max_length=1000)
    created_at: datetime = db.utcnow_field()


class Deduction(SQLModel, table=True):
    """A §5 reduction (保険金の一部を差し引いて支払われる場合): a duty not kept without reason."""

    __tablename__ = "incident_deduction"
    __table_args__ = (CheckConstraint("amount_yen > 0", name="ck_incident_deduction_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    amount_yen: int = Field(sa_type=BigInteger)
    duty: str = Field(max_length=2, description="seed 004 §5 ①–⑦ as 1…7")
    reason: str = Field(max_length=1000)
    created_at: datetime = db.utcnow_field()


class Payment(SQLModel, table=True):
    """One payment on an incident; counted in the incident's and the term's paid totals until
    it is reversed (a payment recorded in error is never deleted)."""

    __tablename__ = "incident_payment"
    __table_args__ = (CheckConstraint("amount_yen > 0", name="ck_incident_payment_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    amount_yen: int = Field(sa_type=BigInteger)
    paid_on: date
    reversed_on: date | None = None
    reversal_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = db.utcnow_field()


class Event(SQLModel, table=True):
    """One dated event of an incident (its timeline): what happened, on which day, who did it.

    ``detail`` is shown to the member; ``note`` is internal (administrators only).
    """

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = db.utcnow_field()
    on: date | None = Field(default=None, description="the day the event states, if any")
    kind: str = Field(max_length=30)
    actor: str = Field(max_length=250)
    amount_yen: int | None = Field(default=None, sa_type=BigInteger)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_type=Text)
