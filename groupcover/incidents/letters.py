"""The two letters a claim sends through the notices outbox: ``limit_alert`` (the member's
aggregate paid reached 50 %, 80 % or 100 % of its limit) and ``payment_extension`` (the 30
days of seed 004 §6① are extended: what must be confirmed, and by when).

Each is queued with ``outbox.enqueue`` in the transaction of the payment or the extension, so
it exists if and only if that change commits; its key makes it one letter per cause. The
context is JSON: dates go in as ISO text and ready-made Japanese and English forms.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from groupcover.incidents.models import Incident
from groupcover.notices import outbox
from groupcover.notices.letters import date_en, date_ja
from groupcover.rules import claims as claim_rules
from groupcover.rules.limits import Limits
from groupcover.terms.models import Term


def _day(name: str, day: date) -> dict[str, str]:
    return {name: day.isoformat(), f"{name}_ja": date_ja(day), f"{name}_en": date_en(day)}


def limit_alert_key(term_id: int, threshold: int) -> str:
    """One alert per coverage period (the term) and threshold, ever."""
    return f"limit_alert:{term_id}:{threshold}"


def limit_alerts(
    session: Session, term: Term, thresholds: list[int], limits: Limits, today: date
) -> None:
    """Queue one ``limit_alert`` per threshold just reached (a duplicate key queues nothing:
    after a reversal and a new payment the member is not told twice)."""
    for threshold in thresholds:
        outbox.enqueue(
            session,
            kind="limit_alert",
            key=limit_alert_key(term.id, threshold),
            member_id=term.member_id,
            today=today,
            context={
                "threshold": threshold,
                "term_id": term.id,
                "aggregate_limit": limits.aggregate,
                "aggregate_paid": term.aggregate_paid,
                "aggregate_remaining": max(limits.aggregate - term.aggregate_paid, 0),
                **_day("period_start", term.start_date),
                **_day("period_end", term.period_end),
            },
        )


def payment_extension(session: Session, incident: Incident, today: date) -> None:
    """Queue the ``payment_extension`` letter for the incident's current ``pay_by``."""
    reason = claim_rules.ExtensionReason(incident.pay_by_extension_reason)
    confirm_ja, confirm_en = claim_rules.EXTENSION_CONFIRMATIONS[reason]
    assert incident.pay_by is not None and incident.completed_on is not None
    outbox.enqueue(
        session,
        kind="payment_extension",
        key=f"payment_extension:{incident.id}:{incident.pay_by.isoformat()}",
        member_id=incident.member_id,
        today=today,
        context={
            "incident_id": incident.id,
            "extension_reason": reason.value,
            "confirm_ja": confirm_ja,
            "confirm_en": confirm_en,
            "detail": incident.extension_detail,
            **_day("occurred_on", incident.occurred_on),
            **_day("completed_on", incident.completed_on),
            **_day("standard_pay_by", claim_rules.pay_by(incident.completed_on)),
            **_day("pay_by", incident.pay_by),
        },
    )
