"""Sync runs as the API and the CLI see them: queue one, read them, the demo's credentials.

Running a sync is ``groupcover.sync.runner``'s job (in the CLI or a worker, never a web
worker); ``groupcover.sync.scheduled`` holds the worker's jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import db
from groupcover.errors import NotFound
from groupcover.members.models import Member
from groupcover.members.service import set_vendor_credential
from groupcover.sync.models import SyncAccountResult, SyncRun
from groupcover.sync.runner import LEASE_NAME, SyncAlreadyRunning

__all__ = [
    "SyncAlreadyRunning",
    "get_run",
    "link_credentials",
    "queue_run",
    "run_results",
    "runs_query",
]


def queue_run(session: Session, mode: str, triggered_by: str, today: date) -> SyncRun:
    """Record a run for a worker to start; SyncAlreadyRunning when one is running or queued."""
    if db.lease_holder(session, LEASE_NAME) is not None:
        raise SyncAlreadyRunning()
    queued = session.execute(select(col(SyncRun.id)).where(col(SyncRun.status) == "queued")).first()
    if queued is not None:
        raise SyncAlreadyRunning(f"sync run {queued[0]} is already queued")
    run = SyncRun(mode=mode, status="queued", run_day=today, triggered_by=triggered_by)
    try:
        with session.begin_nested():  # one queued run at most (a unique partial index)
            session.add(run)
    except IntegrityError as exc:
        raise SyncAlreadyRunning("a sync run is already queued") from exc
    return run


def link_credentials(session: Session, tokens: Mapping[str, str]) -> dict[str, int]:
    """Store ``tokens`` ({vendor account id: token}) as the credentials of the members with
    those vendor_account_ids; returns {account id: member id} of those linked (demo aid)."""
    linked = {}
    members = session.execute(select(Member).where(col(Member.vendor_account_id).in_(list(tokens))))
    for member in members.scalars():
        assert member.id is not None and member.vendor_account_id is not None
        set_vendor_credential(session, member, tokens[member.vendor_account_id])
        linked[member.vendor_account_id] = member.id
    return linked


def run_results(session: Session, run_id: int) -> list[SyncAccountResult]:
    return list(
        session.execute(
            select(SyncAccountResult)
            .where(col(SyncAccountResult.run_id) == run_id)
            .order_by(col(SyncAccountResult.id))
        ).scalars()
    )


def get_run(session: Session, run_id: int) -> SyncRun:
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound("sync run", run_id)
    return run


def runs_query() -> Select:
    return select(SyncRun).order_by(col(SyncRun.id).desc())
