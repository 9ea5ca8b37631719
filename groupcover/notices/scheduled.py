"""The notices' worker job: deliver every due notice every NOTICE_INTERVAL_MINUTES."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from groupcover.config import Settings
from groupcover.jobs import Job, every_minutes
from groupcover.notices.delivery import delivery_options, send_due_notices, smtp_settings


def deliver_notices(engine: Engine, settings: Settings) -> str:
    """One ``send-notices`` run; a notice that will be retried later is not a failure here
    (its next attempt is due later), but a notice that failed for good is."""
    report = send_due_notices(engine, smtp_settings(settings), delivery_options(settings))
    summary = (
        f"notices sent: {report.sent}, to retry later: {report.retry_later}, "
        f"failed: {report.failed}"
    )
    if report.failed:
        raise RuntimeError(f"{summary}; {'; '.join(report.errors[:5])}")
    return summary


JOBS = [
    Job(
        "notices-delivery",
        interval=lambda s: every_minutes(s.NOTICE_INTERVAL_MINUTES),
        lease=lambda s: timedelta(seconds=s.NOTICE_LEASE_SECONDS),
        run=deliver_notices,
    ),
]
