"""The sync's worker jobs: the scheduled sync, and the runs administrators queued."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from groupcover.config import Settings
from groupcover.jobs import Job, every_minutes
from groupcover.sync import runner
from groupcover.sync.settings import SyncSettings


def scheduled_sync(engine: Engine, settings: Settings) -> str:
    """An incremental run every SYNC_INTERVAL_MINUTES (skipped while another run is on)."""
    try:
        run = runner.run_sync(engine, SyncSettings.from_settings(settings), "incremental", "worker")
    except runner.SyncAlreadyRunning:
        return "skipped: another sync run is in progress"
    if run.status != "succeeded":
        raise RuntimeError(f"sync run {run.id} {run.status}: {run.error}")
    return f"sync run {run.id} succeeded"


def queued_sync_runs(engine: Engine, settings: Settings) -> str | None:
    """Every queued run, oldest first (one at a time: the runs share the sync lease)."""
    done = []
    while (run := runner.run_queued(engine, SyncSettings.from_settings(settings))) is not None:
        done.append(f"sync run {run.id} {run.status}")
    return "; ".join(done) or None


JOBS = [
    Job(
        "sync-queued",
        interval=lambda s: timedelta(0),
        lease=lambda s: timedelta(seconds=s.SYNC_LEASE_SECONDS),
        run=queued_sync_runs,
        ready=runner.queued_run_can_start,
    ),
    Job(
        "sync-scheduled",
        interval=lambda s: every_minutes(s.SYNC_INTERVAL_MINUTES),
        lease=lambda s: timedelta(seconds=s.SYNC_LEASE_SECONDS),
        run=scheduled_sync,
    ),
]
