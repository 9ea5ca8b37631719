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
    """What may still be paid: on this incident, and in the member's coverage period."""

    per_incident_remaining: int
    aggregate_remaining: int

    @property
    def payable(self) -> int:
        """The largest single payment that passes neither limit."""
        return min(self.per_incident_remaining, self.aggregate_remaining)


def payment_headroom(limits: Limits, incident_paid: int, aggregate_paid: int) -> Headroom:
    """C3: 1事故について300万円 and 補償期間中に累計して1,000万円, less what was paid already.

    ``incident_paid`` is what this incident has been paid; ``aggregate_paid`` what the member
    and all its suppliers have been paid in the same coverage period (the term's counter).
    """
    return Headroom(
        max(limits.per_incident - incident_paid, 0), aggregate_remaining(limits, aggregate_paid)
    )


def limit_passed(amount: int, headroom: Headroom) -> str | None:
    """Which limit a payment of ``amount`` would pass — ``per_incident``, ``aggregate`` — or
    None when it fits both (a payment equal to what remains fits exactly)."""
    if amount > headroom.per_incident_remaining:
        return "per_incident"
    if amount > headroom.aggregate_remaining:
        return "aggregate"
    return None
