"""What a worker job is (``Job``), its interval rule, and the table of each job's last run.

Jobs are declared in a ``scheduled.py`` beside the service they drive; ``groupcover.worker``
runs them. This module sits below both, so neither imports the other back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Text
from sqlmodel import Field, SQLModel

from groupcover import db
from groupcover.config import Settings


class JobState(SQLModel, table=True):
    """The last run of one worker job: when it started and ended, and how it went."""

    __tablename__ = "job_state"

    name: str = Field(primary_key=True, max_length=100)
    last_started_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    last_finished_at: datetime | None = Field(default=None, sa_type=db.UTCDateTime)
    last_status: str | None = Field(default=None, max_length=20)
    last_message: str | None = Field(default=None, sa_type=Text)


@dataclass(frozen=True)
class Job:
    """``run`` returns a one-line summary; it raises when the job failed."""

    name: str
    interval: Callable[[Settings], timedelta | None]  # None: off; zero: every pass
    lease: Callable[[Settings], timedelta]
    run: Callable[[Engine, Settings], str | None]
    # a cheap look that there is work at all (a job run on every pass): none, no lease taken
    ready: Callable[[Engine], bool] | None = None


def every_minutes(minutes: int) -> timedelta | None:
    """An interval setting in minutes: 0 turns the job off."""
    return timedelta(minutes=minutes) if minutes > 0 else None
