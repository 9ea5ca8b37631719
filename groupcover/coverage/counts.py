"""The number of entries of a big coverage answer, kept per process while it is still exact.

A first page of ``GET /coverage`` that is full needs ``total``: the number of members under
which the domain is insured that day. Counting it again costs a walk over every covered
registration of the domain (5 ms for a domain 10,000 members registered; 50–110 ms for one
100,000 registered). Two things are kept, both only while ``coverage_generation`` (read in the
same statement as what they were built from) has not moved: every committed write of a
registration, a term or a member moves it (``db._track_coverage_writes``). So what is kept is
exactly what counting again would give; ``max_age`` seconds at most, for edits made outside
the application.

- **Counts** per (domain, day): the first day asked of a domain is counted in SQL and kept.
- **Timelines** per domain: when a second day of the same domain needs a count, how many
  insured spans of the domain begin and end on each day is read once (``DomainTimeline``:
  one query, about two counts' work, a few thousand rows) and every later day's count is two
  binary searches. A domain asked on one day only never pays for a timeline.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from typing import Any

# The timelines kept hold at most this many days in all (12 bytes each): 12 MB.
TIMELINE_MAX_DAYS = 1_000_000


class DomainTimeline:
    """On which days one domain is insured, under how many members.

    Built from how many insured spans of the domain begin and end on each day (a span: a
    registration's span intersected with the coverage period of a term of that member, C1 and
    C2, both days inclusive). On a day ``d`` the count is (spans begun by ``d``) − (spans
    ended before ``d``): two binary searches over the days and running totals. A member counts
    once on any day as long as its spans of the domain never overlap: its terms never do, and
    ``domain_timeline`` builds none for a domain with overlapping registrations of one member.
    """

    __slots__ = ("begin_days", "begun", "end_days", "ended")

    def __init__(
        self, begins: Iterable[tuple[date, int]], ends: Iterable[tuple[date, int]]
    ) -> None:
        """``begins``/``ends``: (day, how many spans begin/end that day), any order."""
        self.begin_days, self.begun = _running_totals(begins)
        self.end_days, self.ended = _running_totals(ends)

    def __len__(self) -> int:
        """The number of days kept (what the memory budget counts)."""
        return len(self.begin_days) + len(self.end_days)

    def count(self, on: date) -> int:
        """The number of members under which the domain is insured on ``on``."""
        day = on.toordinal()
        begun = bisect_right(self.begin_days, day)
        ended = bisect_left(self.end_days, day)
        return (self.begun[begun - 1] if begun else 0) - (self.ended[ended - 1] if ended else 0)


def _running_totals(day_counts: Iterable[tuple[date, int]]) -> tuple[array, array]:
    days, totals = array("i"), array("q")
    total = 0
    for day, n in sorted(day_counts):
        total += n
        days.append(day.toordinal())
        totals.append(total)
    return days, totals


class CountCache:
    """Kept counts and timelines (module docstring); ``size`` counts at most, 0 keeps none."""

    def __init__(self, size: int, max_age: float) -> None:
        self.size, self.max_age = size, max_age
        self._counts: dict[tuple[str, date], tuple[int, float, int]] = {}
        self._timelines: dict[str, tuple[int, float, DomainTimeline]] = {}
        # a day of the domain was counted (True), or no timeline can count it (False)
        self._counted: dict[str, tuple[int, float, bool]] = {}
        self._days = 0

    def _fresh(self, kept: tuple[int, float, Any] | None, generation: int | None) -> Any:
        if kept is None or generation is None or self.size <= 0:
            return None
        kept_generation, at, value = kept
        if kept_generation != generation or time.monotonic() - at > self.max_age:
            return None
        return value

    def get(self, domain: str, on: date, generation: int | None) -> int | None:
        """The count of ``domain`` on ``on`` if one is kept at ``generation``, else None."""
        timeline = self._fresh(self._timelines.get(domain), generation)
        if timeline is not None:
            return timeline.count(on)
        return self._fresh(self._counts.get((domain, on)), generation)

    def wants_timeline(self, domain: str, generation: int | None) -> bool:
        """Another day of ``domain`` was counted at ``generation``: read its timeline instead
        of counting a second day."""
        return bool(self._fresh(self._counted.get(domain), generation))

    def put(self, domain: str, on: date, generation: int | None, total: int) -> None:
        if self.size <= 0 or generation is None:
            return
        key = (domain, on)
        self._counts.pop(key, None)
        if len(self._counts) >= self.size:
            del self._counts[next(iter(self._counts))]
        self._counts[key] = (generation, time.monotonic(), total)
        wanted = self._counted.pop(domain, None)
        if wanted is not None and wanted[0] == generation and not wanted[2]:
            self._counted[domain] = wanted  # refused at this generation: stays refused
            return
        if len(self._counted) >= self.size:
            del self._counted[next(iter(self._counted))]
        self._counted[domain] = (generation, time.monotonic(), True)

    def refuse_timeline(self, domain: str, generation: int | None) -> None:
        """No timeline can count ``domain`` at ``generation``: count each day in SQL."""
        if self.size > 0 and generation is not None:
            self._counted.pop(domain, None)
            self._counted[domain] = (generation, time.monotonic(), False)

    def put_timeline(self, domain: str, generation: int | None, timeline: DomainTimeline) -> None:
        if self.size <= 0 or generation is None or len(timeline) > TIMELINE_MAX_DAYS:
            return
        self._drop_timeline(domain)
        while self._timelines and self._days + len(timeline) > TIMELINE_MAX_DAYS:
            self._drop_timeline(next(iter(self._timelines)))
        self._timelines[domain] = (generation, time.monotonic(), timeline)
        self._days += len(timeline)

    def _drop_timeline(self, domain: str) -> None:
        kept = self._timelines.pop(domain, None)
        if kept is not None:
            self._days -= len(kept[2])
