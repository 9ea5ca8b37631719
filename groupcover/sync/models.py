"""Sync runs and what each one did per vendor account."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, text
from sqlmodel import Field, SQLModel

from groupcover import db

RUN_STATUSES = ("queued", "running", "succeeded", "failed")
MODES = ("incremental", "full")
ACCOUNT_STATUSES = ("succeeded", "failed", "skipped")


class SyncRun(SQLModel, table=True):
    """One sync of every member's vendor account; totals over its accounts.

    ``queued`` (POST /sync-runs, waiting for a worker; ``started_at`` is then the time it was
    queued) → ``running`` → ``succeeded`` or ``failed``."""

    __tablename__ = "sync_run"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="ck_sync_run_status"
        ),
        CheckConstraint("mode IN ('incremental', 'full')", name="ck_sync_run_mode"),
        # at most one run waits for a worker: two POSTs at once cannot both queue one
        Index(
            "uq_sync_run_one_queued",
            "status",
            unique=True,
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    mode: str = Field(max_length=20)
    status: str = Field(default="running", max_length=20, index=True)
    run_day: date
    triggered_by: str = Field(max_length=250)
    started_at: datetime = db.utcnow_field()
    finished_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    accounts: int = 0
    accounts_failed: int = 0
    pages: int = 0
    created: int = 0
    updated: int = 0
    deregistered: int = 0
    error: str | None = Field(default=None, sa_type=Text)


class SyncAccountResult(SQLModel, table=True):
    """One vendor account in one run: walked (and applied) or failed, or reported skipped."""

    __tablename__ = "sync_account_result"
    __table_args__ = (
        CheckConstraint(
            "status IN ('succeeded', 'failed', 'skipped')", name="ck_sync_account_result_status"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="sync_run.id", index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    vendor_account_id: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=50)
    message: str | None = Field(default=None, sa_type=Text)
    pages: int = 0
    suppliers: int = 0
    unreadable: int = 0
    restarts: int = 0
    created: int = 0
    updated: int = 0
    deregistered: int = 0
    duration_ms: int = 0
    retry_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)


def account_line(result: SyncAccountResult, label: str | None = None) -> str:
    """One line per account for the CLI and the log (never the token)."""
    label = label or result.vendor_account_id or f"member-{result.member_id}"
    member = f" (member {result.member_id})" if result.member_id else ""
    line = f"{label}{member}: {result.status}"
    if result.status == "succeeded":
        line += (
            f" pages={result.pages} suppliers={result.suppliers} created={result.created}"
            f" updated={result.updated} deregistered={result.deregistered}"
        )
        if result.restarts:
            line += f" restarts={result.restarts}"
    if result.reason:
        line += f" [{result.reason}]"
    if result.message:
        line += f" {result.message}"
    return line
