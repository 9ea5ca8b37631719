"""Users, their one-time sign-in links (only a digest is stored) and sign-in requests
(kept for throttling; the email only as a digest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from groupcover import db


class User(SQLModel, table=True):
    """A person who signs in to the console; ``member`` users belong to one member company."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'member')", name="ck_app_user_role"),
        CheckConstraint(
            "(role = 'member') = (member_id IS NOT NULL)", name="ck_app_user_member_role"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, description="stored lower-cased")
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    active: bool = True
    last_signed_in_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    created_at: datetime = db.utcnow_field()
    updated_at: datetime = db.utcnow_field()


class SignInLink(SQLModel, table=True):
    """A one-time sign-in link: single use, expiring, only its SHA-256 digest kept."""

    __tablename__ = "sign_in_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = db.utcnow_field()
    expires_at: datetime = Field(sa_type=db.UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)


class SignInRequest(SQLModel, table=True):
    """One request for a link, known email or not: what the throttle counts."""

    __tablename__ = "sign_in_request"
    __table_args__ = (
        Index("ix_sign_in_request_email", "email_hash", "at"),
        Index("ix_sign_in_request_address", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = db.utcnow_field()
    email_hash: str = Field(max_length=64)
    address: str = Field(max_length=64)
