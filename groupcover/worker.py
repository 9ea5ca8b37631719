"""``flask --app wsgi worker [--once]``: runs every job that is due, on any number of hosts.

A job is a name, an interval (from the settings; 0 turns it off) and a function of the app's
settings (in a ``scheduled.py`` beside the service it drives). Each job's last run is a row of
``job_state``, so a restarted worker knows what is due and every worker sees the same answer;
the database lease ``job:<name>`` keeps a job to one worker at a time. The start of a run is
recorded before the job begins: a worker that finds the lease lapsed (its holder crashed or
is slow) still sees the job as not due, so a job never runs twice in one interval.

Queued sync runs (``POST /api/v1/sync-runs``) are a job with no interval: looked at on every
pass. ``--once`` makes one pass and exits (cron, tests); the loop makes a pass every
``WORKER_POLL_SECONDS`` and stops cleanly on SIGTERM or SIGINT, after the job in hand.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from groupcover import clock, db
from groupcover.config import Settings
from groupcover.jobs import Job, JobState
from groupcover.notices.scheduled import JOBS as NOTICE_JOBS
from groupcover.sync.scheduled import JOBS as SYNC_JOBS

log = logging.getLogger(__name__)


def jobs() -> list[Job]:
    return [*SYNC_JOBS, *NOTICE_JOBS]


@dataclass
class PassReport:
    ran: list[str]
    failed: list[str]


def run_pass(engine: Engine, settings: Settings, holder: str | None = None) -> PassReport:
    """Run every job that is due now, one after another; what ran and what failed."""
    holder = holder or new_holder()
    report = PassReport([], [])
    for job in jobs():
        outcome = run_if_due(engine, settings, job, holder)
        if outcome is not None:
            report.ran.append(job.name)
            if outcome == "failed":
                report.failed.append(job.name)
    return report


def run_if_due(engine: Engine, settings: Settings, job: Job, holder: str) -> str | None:
    """Run ``job`` if it is due and no other worker has it: its status, or None if not run."""
    interval = job.interval(settings)
    if interval is None or (job.ready is not None and not job.ready(engine)):
        return None
    if not _due(engine, job.name, interval):
        return None
    lease = f"job:{job.name}"
    if not db.acquire_lease(engine, lease, holder, job.lease(settings)):
        return None
    try:
        if job.ready is not None and not job.ready(engine):  # another worker did it just now
            return None
        if not _start(engine, job.name, interval):  # another worker ran it just now
            return None
        try:
            message = job.run(engine, settings)
            status = "succeeded"
        except Exception as exc:
            log.exception("job %s failed", job.name)
            status, message = "failed", f"{type(exc).__name__}: {exc}"
        _finish(engine, job.name, status, message)
        if message:
            log.info("job %s %s: %s", job.name, status, message)
        return status
    finally:
        db.release_lease(engine, lease, holder)


def _due(engine: Engine, name: str, interval: timedelta) -> bool:
    with db.transaction(engine, write=False) as session:
        state = session.get(JobState, name)
        return _is_due(state, interval)


def _is_due(state: JobState | None, interval: timedelta) -> bool:
    if state is None or state.last_started_at is None or not interval:
        return True
    return clock.now() >= state.last_started_at + interval


def _start(engine: Engine, name: str, interval: timedelta) -> bool:
    """Under the job's lease: look again, and record the start before running.

    The lease may have lapsed under a long run, so two workers can get here at once: the row
    is locked while it is read (PostgreSQL ``FOR UPDATE``; SQLite's writers are serial), so the
    second sees the first's start; when there is no row yet both insert it, and the one
    refused by the primary key did not start."""
    try:
        with db.transaction(engine) as session:
            state = session.get(JobState, name, with_for_update=True)
            if not _is_due(state, interval):
                return False
            if state is None:
                state = JobState(name=name)
                session.add(state)
            state.last_started_at = clock.now()
            state.last_finished_at = None
    except IntegrityError:
        return False
    return True


def _finish(engine: Engine, name: str, status: str, message: str | None) -> None:
    with db.transaction(engine) as session:
        state = session.get(JobState, name)
        assert state is not None
        state.last_finished_at = clock.now()
        state.last_status = status
        state.last_message = message


def new_holder() -> str:
    return f"worker:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_worker(app: Flask, *, once: bool, stop: threading.Event | None = None) -> PassReport:
    """Make passes until ``stop`` is set (``once``: a single pass); the last pass's report."""
    stop = stop or threading.Event()
    settings: Settings = app.extensions["groupcover.settings"]
    engine = db.engine()
    holder = new_holder()
    while True:
        report = run_pass(engine, settings, holder)
        if once or stop.wait(settings.WORKER_POLL_SECONDS):
            return report


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop``: the loop ends after the job in hand."""

    def _handler(signum: int, _frame: FrameType | None) -> None:
        log.info("worker: %s received, stopping after the job in hand", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, _handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
