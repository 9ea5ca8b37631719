"""Inclusive spans of calendar days (期間).

Every period in the program counts both of its ends: a term 2026-04-01..2027-03-31 covers
both days, and a registration counts from ``registered_on`` through ``deregistered_on``.
An open end (``end is None``) means the span is still running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Span:
    """Days ``start``..``end``, both inclusive; ``end=None`` is open-ended."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"span ends ({self.end}) before it starts ({self.start})")

    def contains(self, day: date) -> bool:
        """True when ``day`` falls inside the span, ends included."""
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: Span) -> bool:
        """True when the two spans share at least one day."""
        return self.intersect(other) is not None

    def intersect(self, other: Span) -> Span | None:
        """The days both spans share, or None when they share none."""
        start = max(self.start, other.start)
        end = _earliest(self.end, other.end)
        if end is not None and end < start:
            return None
        return Span(start, end)


def _earliest(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def union_of_spans_containing(spans: list[Span], day: date) -> Span | None:
    """The single span covered by every span in ``spans`` that contains ``day``.

    Spans that share a day join into one span, so the result runs from the earliest start to
    the latest end (open when any is open). None when no span contains ``day``.
    """
    hits = [s for s in spans if s.contains(day)]
    if len(hits) <= 1:
        return hits[0] if hits else None  # the common case: one registration
    start = min(s.start for s in hits)
    end = None if any(s.end is None for s in hits) else max(s.end for s in hits)  # type: ignore[type-var]
    return Span(start, end)
