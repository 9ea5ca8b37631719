"""Rule N1: how "two months ahead" (原則として2か月以上前) is counted.

Seed 004 §2② lets the administrator change the coverage content (補償内容) after notifying the
member companies, in principle, at least two months in advance. DOMAIN.md rule N1 counts that
period by the Japanese Civil Code:

- 民法140 (初日不算入): the day the notice is sent is not counted; the period starts the next day.
- 民法143①: a period in months is counted by the calendar; one starting on the first of a
  month ends on the last day of the last month.
- 民法143②: otherwise it ends on the day before the day that corresponds to the start day in
  the last month (起算日に応当する日の前日), or on that month's last day when it has no such day.

The change may take effect on the day after the period ends. Pure functions: no clock, no I/O.
"""

import calendar
from datetime import date, timedelta

NOTICE_MONTHS = 2
"""Length of the notice period in months (2か月)."""


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_plus(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def notice_period_end(sent_on: date) -> date:
    """Last day of the two-month notice period for a notice sent on ``sent_on`` (民法140・143)."""
    start = sent_on + timedelta(days=1)
    if start.day == 1:
        year, month = _month_plus(start.year, start.month, NOTICE_MONTHS - 1)
        return date(year, month, _last_day(year, month))
    year, month = _month_plus(start.year, start.month, NOTICE_MONTHS)
    if start.day <= _last_day(year, month):
        return date(year, month, start.day) - timedelta(days=1)
    return date(year, month, _last_day(year, month))


def earliest_effective_date(sent_on: date) -> date:
    """First day a coverage change may take effect when its notice is sent on ``sent_on``.

    Rule N1 (seed 004 §2②, 原則として2か月以上前): the day after the notice period ends.
    """
    return notice_period_end(sent_on) + timedelta(days=1)


def send_by(effective_date: date) -> date:
    """Latest day a notice can be sent so that a change may take effect on ``effective_date``.

    Rule N1 (seed 004 §2②, 原則として2か月以上前), the converse of
    :func:`earliest_effective_date`: go back two calendar months (to the month's last day where
    the same-numbered day does not exist) and one more day, because the sending day itself is
    not counted (民法140).
    """
    year, month = _month_plus(effective_date.year, effective_date.month, -NOTICE_MONTHS)
    anchor = date(year, month, min(effective_date.day, _last_day(year, month)))
    return anchor - timedelta(days=1)


def is_notice_in_time(sent_on: date, effective_date: date) -> bool:
    """Whether a notice sent on ``sent_on`` keeps two months before ``effective_date`` (N1)."""
    return earliest_effective_date(sent_on) <= effective_date


def is_notice_late(send_by: date, sent_on: date | None, today: date) -> bool:
    """Whether a notice is late (N1): not sent by the end of its ``send_by`` day.

    A sent notice is late when it went out after ``send_by``; an unsent one once ``today`` is
    past ``send_by``. (The SQL mirror for lists is ``Notice.late_on``.)
    """
    return (today if sent_on is None else sent_on) > send_by
