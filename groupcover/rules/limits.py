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
