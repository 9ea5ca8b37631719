"""The program's clock: the only place the current instant is read.

Rules never read it; services ask for ``today(tz)`` and pass the date on. Tests replace
``now`` to travel in time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, time-zone aware (UTC)."""
    return datetime.now(UTC)


def today(tz: str | ZoneInfo) -> date:
    """Today's calendar date in the program's time zone."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return now().astimezone(zone).date()
