"""C1 (coverage period = usage period) and the supplier's period under one member."""

from datetime import date

import pytest

from groupcover.rules.coverage import (
    Term,
    member_coverage_period,
    supplier_coverage_period,
    terms_overlap,
)
from groupcover.rules.periods import Span

D = date.fromisoformat


def T(start: str, end: str, last_day: str | None = None, id: int = 1) -> Term:
    return Term(id, 1, D(start), D(end), D(last_day) if last_day else None)


def R(start: str, end: str | None = None) -> Span:
    return Span(D(start), D(end) if end else None)


FY = T("2026-04-01", "2027-03-31")
LEAP = T("2024-02-29", "2025-02-28")
CANCELLED = T("2026-04-01", "2027-03-31", last_day="2026-09-30")


@pytest.mark.parametrize(
    ("term", "on", "covered"),
    [
        (FY, "2026-03-31", False),
        (FY, "2026-04-01", True),
        (FY, "2027-03-31", True),
        (FY, "2027-04-01", False),
        (LEAP, "2024-02-28", False),
        (LEAP, "2024-02-29", True),
        (LEAP, "2025-02-28", True),
        (LEAP, "2025-03-01", False),
        (CANCELLED, "2026-09-30", True),  # the cancellation's last day still counts
        (CANCELLED, "2026-10-01", False),
    ],
)
def test_member_coverage_period(term, on, covered):
    assert (member_coverage_period([term], D(on)) == term) is covered


def test_renewal_starts_a_new_period_the_day_after():
    old, new = T("2025-04-01", "2026-03-31", id=1), T("2026-04-01", "2027-03-31", id=2)
    assert member_coverage_period([old, new], D("2026-03-31")) == old
    assert member_coverage_period([old, new], D("2026-04-01")) == new
    assert not terms_overlap(old.period, new.period)
    assert terms_overlap(old.period, T("2026-03-31", "2026-12-31").period)


@pytest.mark.parametrize(
    ("registrations", "term", "on", "expected"),
    [
        # registered before the term began: covered from the term's start
        ([R("2025-12-01")], FY, "2026-04-01", R("2026-04-01", "2027-03-31")),
        ([R("2025-12-01")], FY, "2026-03-31", None),
        # registered inside the term: from the registration day
        ([R("2026-05-15")], FY, "2026-05-15", R("2026-05-15", "2027-03-31")),
        ([R("2026-05-15")], FY, "2026-05-14", None),
        # deregistered inside the term: to the deregistration day, inclusive
        ([R("2026-05-15", "2026-08-31")], FY, "2026-08-31", R("2026-05-15", "2026-08-31")),
        ([R("2026-05-15", "2026-08-31")], FY, "2026-09-01", None),
        # deregistered after the term ended: the term's end caps it
        ([R("2026-01-01", "2027-06-30")], FY, "2027-03-31", R("2026-04-01", "2027-03-31")),
        # a cancelled term cuts every coverage under it
        ([R("2026-01-01")], CANCELLED, "2026-09-30", R("2026-04-01", "2026-09-30")),
        ([R("2026-01-01")], CANCELLED, "2026-10-01", None),
        # leap day at both ends
        ([R("2024-02-29", "2024-02-29")], LEAP, "2024-02-29", R("2024-02-29", "2024-02-29")),
        # two registrations of one domain that overlap join into one period
        (
            [R("2026-04-10", "2026-06-30"), R("2026-06-01")],
            FY,
            "2026-06-15",
            R("2026-04-10", "2027-03-31"),
        ),
        # a gap: only the span containing the day counts
        (
            [R("2026-04-10", "2026-04-30"), R("2026-06-01")],
            FY,
            "2026-06-15",
            R("2026-06-01", "2027-03-31"),
        ),
        ([R("2026-04-10", "2026-04-30"), R("2026-06-01")], FY, "2026-05-15", None),
    ],
)
def test_supplier_coverage_period(registrations, term, on, expected):
    assert supplier_coverage_period(registrations, term, D(on)) == expected
