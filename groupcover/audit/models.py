"""The audit trail's one table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from groupcover import db


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = db.utcnow_field(index=True)
    actor: str = Field(max_length=250)
    action: str = Field(max_length=100)
    entity: str = Field(max_length=50, index=True)
    entity_id: int | None = Field(default=None, index=True)
    before: dict | None = Field(default=None, sa_type=JSON)
    after: dict | None = Field(default=None, sa_type=JSON)
