from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from groupcover import db


class Member(SQLModel, table=True):
    """A member company (加入企業), insured during its terms and master of its suppliers."""

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    contact_email: str = Field(max_length=254)
    contact_name: str | None = Field(default=None, max_length=200)
    vendor_account_id: str | None = Field(default=None, max_length=100, unique=True)
    corporate_number: str | None = Field(default=None, max_length=13)
    vendor_credential: str | None = Field(
        default=None, description="the vendor API token, Fernet-encrypted; never returned"
    )
    created_at: datetime = db.utcnow_field()
    updated_at: datetime = db.utcnow_field()
