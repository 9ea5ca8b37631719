"""API tokens: only the SHA-256 digest of a token is stored."""

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
