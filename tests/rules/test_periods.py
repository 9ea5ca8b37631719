"""Inclusive day spans: both ends count; an open end runs on."""

from datetime import date

import pytest

from groupcover.rules.periods import Span, union_of_spans_containing

D = date.fromisoformat


def S(start: str, end: str | None = None) -> Span:
    return Span(D(start), D(end) if end else None)


@pytest.mark.parametrize(
    ("span", "day", "inside"),
    [
        (S("2026-04-01", "2027-03-31"), "2026-04-01", True),  # first day counts
        (S("2026-04-01", "2027-03-31"), "2027-03-31", True),  # last day counts
        (S("2026-04-01", "2027-03-31"), "2026-03-31", False),
        (S("2026-04-01", "2027-03-31"), "2027-04-01", False),
        (S("2024-02-29", "2024-02-29"), "2024-02-29", True),  # one-day span on a leap day
        (S("2026-04-01"), "2999-12-31", True),  # open-ended
        (S("2026-04-01"), "2026-03-31", False),
    ],
)
def test_contains(span, day, inside):
    assert span.contains(D(day)) is inside


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (
            S("2026-04-01", "2027-03-31"),
            S("2027-03-31", "2028-03-30"),
            S("2027-03-31", "2027-03-31"),
        ),
        (S("2026-04-01", "2027-03-31"), S("2027-04-01", "2028-03-31"), None),  # renewal: no overlap
        (S("2026-04-01"), S("2025-01-01", "2026-05-31"), S("2026-04-01", "2026-05-31")),
        (S("2026-04-01"), S("2026-06-01"), S("2026-06-01")),
        (
            S("2026-01-31", "2026-02-28"),
            S("2026-02-28", "2026-03-31"),
            S("2026-02-28", "2026-02-28"),
        ),
    ],
)
def test_intersect_and_overlaps(a, b, expected):
    assert a.intersect(b) == expected
    assert b.intersect(a) == expected
    assert a.overlaps(b) is (expected is not None)


def test_a_span_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="ends"):
        S("2026-04-02", "2026-04-01")


@pytest.mark.parametrize(
    ("spans", "day", "expected"),
    [
        ([S("2026-01-01", "2026-03-31"), S("2026-03-01")], "2026-03-15", S("2026-01-01")),
        (
            [S("2026-01-01", "2026-03-31"), S("2026-03-01", "2026-05-31")],
            "2026-03-15",
            S("2026-01-01", "2026-05-31"),
        ),
        ([S("2026-01-01", "2026-01-31"), S("2026-03-01")], "2026-03-15", S("2026-03-01")),
        ([S("2026-01-01", "2026-01-31")], "2026-02-01", None),
        ([], "2026-02-01", None),
    ],
)
def test_union_of_spans_containing(spans, day, expected):
    assert union_of_spans_containing(spans, D(day)) == expected
