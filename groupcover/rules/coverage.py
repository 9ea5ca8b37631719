"""Who is insured on a day: rules C1 and C2 of seed 004 (補償期間・被保険者).

C1 — coverage period = usage period (補償期間＝利用期間). A member company (加入企業) is
insured exactly during its subscription terms (利用期間). A registered supplier (登録企業) is
insured while it is registered by that member *and* the member's term runs: from the later of
(registration, term start) to the earlier of (deregistration, term end, cancellation).

C2 — one supplier, several members: the supplier is insured once under each member that
registered it, and each coverage draws on that member's own limits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from groupcover.rules.periods import Span, union_of_spans_containing


@dataclass(frozen=True, slots=True)
class Term:
    """A member's subscription term (利用期間), possibly cancelled early.

    ``last_day`` is the last covered day set by a cancellation; None when never cancelled.
    """

    id: int
    member_id: int
    start_date: date
    end_date: date
    last_day: date | None = None

    @property
    def period_end(self) -> date:
        """The last day of the coverage period: the end, or the cancellation's last day."""
        return self.end_date if self.last_day is None else min(self.end_date, self.last_day)

    @property
    def period(self) -> Span:
        """The coverage period (補償期間) this term gives: start..min(end, last_day)."""
        return Span(self.start_date, self.period_end)


def member_coverage_period(terms: Iterable[Term], on: date) -> Term | None:
    """C1 for a member: the term whose coverage period contains ``on``, or None.

    Terms of one member never overlap (they are refused at enrolment), so at most one term
    can match.
    """
    for term in terms:
        if term.period.contains(on):
            return term
    return None


def supplier_coverage_period(registrations: list[Span], term: Term, on: date) -> Span | None:
    """C1 for a registered supplier under one member (登録企業の補償期間).

    ``registrations`` are that member's registration spans of the supplier's domain. The
    supplier is covered on ``on`` when a registration and the term both run that day; the
    period reported is the registration span (joined with any registration it overlaps)
    intersected with the term's coverage period.
    """
    period = term.period
    if not period.contains(on):
        return None
    registered = union_of_spans_containing(registrations, on)
    if registered is None:
        return None
    return registered.intersect(period)


def terms_overlap(a: Span, b: Span) -> bool:
    """Two terms of one member may not share a day: a renewal starts the day after."""
    return a.overlaps(b)
