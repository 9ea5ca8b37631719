"""Rule N1 (民法140・143): two months' notice before a coverage change."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupcover.rules.notice import (
    earliest_effective_date,
    is_notice_in_time,
    is_notice_late,
    send_by,
)

D = date.fromisoformat

# (sent_on, earliest effective date): DOMAIN.md's examples first, then the edges.
EARLIEST = [
    ("2027-01-15", "2027-03-16"),  # DOMAIN.md: 15 January → 16 March
    ("2026-12-29", "2027-03-01"),  # DOMAIN.md: 29 December, non-leap following year
    ("2026-12-30", "2027-03-01"),  # DOMAIN.md: 30 December, non-leap following year
    ("2027-01-31", "2027-04-01"),  # period starts on the 1st: ends at the end of March (143①)
    ("2026-12-28", "2027-03-01"),  # starts 29 Dec; no 29 Feb 2027 → ends 28 Feb
    ("2027-12-28", "2028-02-29"),  # starts 29 Dec; 29 Feb 2028 exists → ends 28 Feb
    ("2027-12-29", "2028-03-01"),  # starts 30 Dec; no 30 Feb → ends 29 Feb (leap)
    ("2027-07-30", "2027-10-01"),  # starts 31 Jul; no 31 Sep → ends 30 Sep
    ("2027-08-30", "2027-10-31"),  # starts 31 Aug; 31 Oct exists → ends 30 Oct
    ("2028-02-28", "2028-04-29"),  # starts 29 Feb (leap) → ends 28 Apr
    ("2027-11-14", "2028-01-15"),  # across the year end
]

MONTH_ENDS_NON_LEAP = [
    "2027-01-31",
    "2027-02-28",
    "2027-03-31",
    "2027-04-30",
    "2027-05-31",
    "2027-06-30",
    "2027-07-31",
    "2027-08-31",
    "2027-09-30",
    "2027-10-31",
    "2027-11-30",
    "2027-12-31",
]
MONTH_ENDS_LEAP = [
    "2028-01-31",
    "2028-02-29",
    "2028-03-31",
    "2028-04-30",
    "2028-05-31",
    "2028-06-30",
    "2028-07-31",
    "2028-08-31",
    "2028-09-30",
    "2028-10-31",
    "2028-11-30",
    "2028-12-31",
]
# A notice sent on a month's last day starts its period on the 1st (143①): it ends at the end
# of the following month, so the change may take effect on the 1st three months later.
EARLIEST_FROM_MONTH_END = list(
    zip(
        MONTH_ENDS_NON_LEAP + MONTH_ENDS_LEAP,
        [
            "2027-04-01",
            "2027-05-01",
            "2027-06-01",
            "2027-07-01",
            "2027-08-01",
            "2027-09-01",
            "2027-10-01",
            "2027-11-01",
            "2027-12-01",
            "2028-01-01",
            "2028-02-01",
            "2028-03-01",
            "2028-04-01",
            "2028-05-01",
            "2028-06-01",
            "2028-07-01",
            "2028-08-01",
            "2028-09-01",
            "2028-10-01",
            "2028-11-01",
            "2028-12-01",
            "2029-01-01",
            "2029-02-01",
            "2029-03-01",
        ],
        strict=True,
    )
)
# (effective date on a month's last day, latest sending day).
SEND_BY_FOR_MONTH_END = list(
    zip(
        MONTH_ENDS_NON_LEAP + MONTH_ENDS_LEAP,
        [
            "2026-11-29",
            "2026-12-27",
            "2027-01-30",
            "2027-02-27",
            "2027-03-30",
            "2027-04-29",
            "2027-05-30",
            "2027-06-29",
            "2027-07-29",
            "2027-08-30",
            "2027-09-29",
            "2027-10-30",
            "2027-11-29",
            "2027-12-28",
            "2028-01-30",
            "2028-02-28",
            "2028-03-30",
            "2028-04-29",
            "2028-05-30",
            "2028-06-29",
            "2028-07-29",
            "2028-08-30",
            "2028-09-29",
            "2028-10-30",
        ],
        strict=True,
    )
)
SEND_BY = [
    ("2027-03-16", "2027-01-15"),  # DOMAIN.md, read backwards
    ("2027-03-01", "2026-12-31"),  # 1 Mar: sending on 31 Dec still starts the period on 1 Jan
    ("2028-03-01", "2027-12-31"),
    ("2027-04-01", "2027-01-31"),  # DOMAIN.md: 31 January → 1 April
    ("2027-10-01", "2027-07-31"),
    ("2027-10-31", "2027-08-30"),
]


@pytest.mark.parametrize(("sent_on", "expected"), EARLIEST + EARLIEST_FROM_MONTH_END)
def test_earliest_effective_date(sent_on: str, expected: str) -> None:
    assert earliest_effective_date(D(sent_on)) == D(expected)


@pytest.mark.parametrize(("effective", "expected"), SEND_BY + SEND_BY_FOR_MONTH_END)
def test_send_by(effective: str, expected: str) -> None:
    assert send_by(D(effective)) == D(expected)


@pytest.mark.parametrize(
    ("sent_on", "effective", "in_time"),
    [
        ("2027-01-15", "2027-03-16", True),
        ("2027-01-15", "2027-03-15", False),
        ("2027-01-16", "2027-03-16", False),
        ("2026-12-30", "2027-03-01", True),
        ("2027-01-31", "2027-03-31", False),
    ],
)
def test_is_notice_in_time(sent_on: str, effective: str, in_time: bool) -> None:
    assert is_notice_in_time(D(sent_on), D(effective)) is in_time


days = st.dates(min_value=date(1900, 3, 1), max_value=date(2199, 12, 31))


@given(days)
def test_send_by_is_the_latest_day_that_allows_the_change(effective: date) -> None:
    latest = send_by(effective)
    assert earliest_effective_date(latest) <= effective
    assert earliest_effective_date(latest + timedelta(days=1)) > effective


@given(days)
def test_earliest_effective_date_is_the_first_day_allowed(sent_on: date) -> None:
    earliest = earliest_effective_date(sent_on)
    assert send_by(earliest) >= sent_on
    assert send_by(earliest - timedelta(days=1)) < sent_on


@given(days, days)
def test_both_functions_are_monotonic(a: date, b: date) -> None:
    first, second = sorted((a, b))
    assert earliest_effective_date(first) <= earliest_effective_date(second)
    assert send_by(first) <= send_by(second)


@given(days)
def test_the_change_comes_60_to_63_days_after_the_sending_day(sent_on: date) -> None:
    assert 60 <= (earliest_effective_date(sent_on) - sent_on).days <= 63


# (send_by, sent_on, today, late): a notice is late once it is not sent by the end of send_by.
LATE = [
    ("2027-01-15", None, "2027-01-14", False),  # unsent, before its day
    ("2027-01-15", None, "2027-01-15", False),  # unsent, on its day: still in time
    ("2027-01-15", None, "2027-01-16", True),  # unsent, the day after
    ("2027-01-15", "2027-01-15", "2027-03-01", False),  # sent on its day: in time for good
    ("2027-01-15", "2027-01-16", "2027-01-16", True),  # sent the day after
    ("2027-01-15", "2027-01-10", "2027-01-20", False),  # sent early; today no longer matters
]


@pytest.mark.parametrize(("send_by_day", "sent_on", "today", "late"), LATE)
def test_is_notice_late(send_by_day, sent_on, today, late):
    sent = None if sent_on is None else D(sent_on)
    assert is_notice_late(D(send_by_day), sent, D(today)) is late
