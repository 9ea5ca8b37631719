"""API tokens: only the SHA-256 digest of a token is stored. Failed authentications are
counted per client address, in the database so every worker and host sees the same count."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from groupcover import db


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = db.utcnow_field()
    revoked_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    expires_at: datetime = Field(sa_type=db.UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)


class AuthFailure(SQLModel, table=True):
    """Failed authentications of one client address in its current one-minute window."""

    __tablename__ = "auth_failure"

    address: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(sa_type=db.UTCDateTime, index=True)
    failures: int = 0
