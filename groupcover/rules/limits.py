"""Rule C3: limits are per member company (加入企業ごとに).

¥3,000,000 per incident (1事故について300万円) and ¥10,000,000 in aggregate over one coverage
period (補償期間中に累計して1,000万円). Incidents of the member's registered suppliers count
against the member's limits; a renewed term is a new coverage period with a fresh aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

PER_INCIDENT_LIMIT_YEN = 3_000_000
AGGREGATE_LIMIT_YEN = 10_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one coverage-terms version (補償内容), in whole yen."""

    per_incident: int
    aggregate: int


def aggregate_remaining(limits: Limits, aggregate_paid: int) -> int:
    """What the member may still be paid in this coverage period (never below zero)."""
    return max(limits.aggregate - aggregate_paid, 0)


@dataclass(frozen=True, slots=True)
class Headroom:
    """What may still be paid: on the approved claim, on this incident, in the period."""

    per_incident_remaining: int
    aggregate_remaining: int
    approved_remaining: int | None = None

    @property
    def payable(self) -> int:
        """The largest single payment that passes none of the bounds."""
        bounds = [self.per_incident_remaining, self.aggregate_remaining]
        if self.approved_remaining is not None:
            bounds.append(self.approved_remaining)
        return min(bounds)


def payment_headroom(
    limits: Limits, incident_paid: int, aggregate_paid: int, payable_yen: int | None = None
) -> Headroom:
    """C3: 1事故について300万円 and 補償期間中に累計して1,000万円, less what was paid already.

    ``incident_paid`` is what this incident has been paid (net of reversals);
    ``aggregate_paid`` what the member and all its suppliers have been paid in the same
    coverage period (the term's counter); ``payable_yen`` what the insurer's decision allows
    on this incident in all (approved less deductions), when known. All cost groups of one
    incident share the one per-incident limit.
    """
    return Headroom(
        max(limits.per_incident - incident_paid, 0),
        aggregate_remaining(limits, aggregate_paid),
        None if payable_yen is None else max(payable_yen - incident_paid, 0),
    )


def limit_passed(amount: int, headroom: Headroom) -> str | None:
    """Which bound a payment of ``amount`` would pass — ``approved``, ``per_incident``,
    ``aggregate`` — or None when it fits them all (equal to what remains fits exactly)."""
    if headroom.approved_remaining is not None and amount > headroom.approved_remaining:
        return "approved"
    if amount > headroom.per_incident_remaining:
        return "per_incident"
    if amount > headroom.aggregate_remaining:
        return "aggregate"
    return None


def payable_total(limits: Limits, approved_yen: int, deducted_yen: int) -> int:
    """What an accepted incident can be paid in all: approved less deductions, at most the
    per-incident limit (never below zero)."""
    return max(min(approved_yen - deducted_yen, limits.per_incident), 0)


ALERT_THRESHOLDS: tuple[int, ...] = (50, 80, 100)
"""Percentages of the aggregate limit at which the member is warned (limit_alert)."""


def thresholds_reached(aggregate_limit: int, paid_before: int, paid_after: int) -> list[int]:
    """The alert thresholds a payment takes the member's aggregate paid to or past.

    A threshold ``t`` is reached when paid × 100 ≥ limit × t (exact integers: ¥5,000,000 of
    ¥10,000,000 reaches 50 %, ¥4,999,999 does not); it is crossed by this payment when it was
    not reached before it.
    """

    def reached(paid: int, t: int) -> bool:
        return paid * 100 >= aggregate_limit * t

    return [t for t in ALERT_THRESHOLDS if reached(paid_after, t) and not reached(paid_before, t)]


def allocate_paid(paid: int, approved: list[int]) -> list[int]:
    """Show what was paid per line: payments are made on the incident, so for display they
    are allocated to the lines in order, each up to its approved amount (any excess over
    every line's approval stays unallocated)."""
    shares = []
    for amount in approved:
        share = min(max(paid, 0), amount)
        shares.append(share)
        paid -= share
    return shares
