from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from groupcover import db


class Program(SQLModel, table=True):
    """The single group policy: who holds it (保険契約者), who carries it (保険会社)."""

    __tablename__ = "program"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    policyholder: str = Field(max_length=200)
    insurer: str = Field(max_length=200)
    policy_number: str | None = Field(default=None, max_length=100)
    timezone: str = Field(default="Asia/Tokyo", max_length=64)
    created_at: datetime = db.utcnow_field()
    updated_at: datetime = db.utcnow_field()
