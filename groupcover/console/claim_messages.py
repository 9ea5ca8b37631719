"""The claim services' rules (seed 004 §3–§6) as sentences for the console's forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _

from groupcover.console.format import day, yen


def _money(extra: dict[str, Any], key: str) -> str:
    value = extra.get(key)
    return yen(value) if isinstance(value, int) else "—"


def _limit(extra: dict[str, Any]) -> str:
    return _(
        "%(approved)s remains approved and unpaid, %(incident)s on this incident's limit and "
        "%(aggregate)s in the member's coverage period.",
        approved=_money(extra, "approved_remaining"),
        incident=_money(extra, "per_incident_remaining"),
        aggregate=_money(extra, "aggregate_remaining"),
    )


def claim_sentences(extra: dict[str, Any]) -> dict[str, Callable[[], str]]:
    """Rule → sentence; ``extra`` (the error's extra fields) fills in amounts and dates."""
    return {
        "seed004.3.cost_groups": lambda: _("This cost group cannot be claimed for this cause."),
        "seed004.3.cost_table": lambda: _("The seed's cost table has no such cost in this group."),
        "seed004.3.suspected_attack_items": lambda: _(
            "Incident response on a suspected attack needs item エ, シ or ス."
        ),
        "seed004.3.suspected_attack_actual": lambda: _(
            "The attack is confirmed: claim incident-response costs under event ② instead."
        ),
        "seed004.3.items": lambda: _(
            "This item is not listed under the category: %(allowed)s.",
            allowed=", ".join(extra.get("allowed", [])) or "—",
        ),
        "seed004.3.confirm_suspected_attack": lambda: _(
            "Only a suspected attack can be confirmed as an attack."
        ),
        "amount_required": lambda: _("Enter the amount, or persons and yen per person."),
        "per_person_condolence_only": lambda: _(
            "Persons × yen per person is for individual condolence costs only."
        ),
        "per_person_both": lambda: _("Enter both persons and yen per person."),
        "per_person_amount": lambda: _("The amount must equal persons × yen per person."),
        "money_max": lambda: _("The amount is too large."),
        "incurred_on_not_future": lambda: _("The date cannot be in the future."),
        "received_on_not_future": lambda: _("A document cannot be received in the future."),
        "approved_within_claimed": lambda: _(
            "The approved amount must lie between 0 and the amount claimed."
        ),
        "approved_below_paid": lambda: _(
            "More than that is already paid: this line cannot go below %(floor)s unless a "
            "payment is reversed.",
            floor=_money(extra, "lowest_allowed"),
        ),
        "incident_declined": lambda: _(
            "This claim was declined: nothing can be approved, deducted or paid."
        ),
        "seed004.4.exclusion_required": lambda: _("Choose the exclusion (①–⑲) to decline."),
        "seed004.4.exclusion_on_accept": lambda: _("An accepted claim names no exclusion."),
        "decision_after_payment": lambda: _(
            "A payment stands: reverse the payments before changing the decision."
        ),
        "accept_covered_incident_only": lambda: _(
            "This incident is not covered; it can only be declined."
        ),
        "deduction_on_accepted_incident_only": lambda: _(
            "Deductions come off approved amounts: accept the claim first."
        ),
        "deduction_exceeds_outstanding": lambda: _(
            "A deduction cannot exceed the %(amount)s approved and not yet paid.",
            amount=_money(extra, "outstanding_yen"),
        ),
        "claim_already_complete": lambda: _(
            "The claim is already complete; only the pay-by date can still be extended."
        ),
        "completed_on_in_range": lambda: _(
            "The completion day must lie between the day of the incident and today."
        ),
        "seed004.5.7.documents_missing": lambda: _(
            "Requested documents have not arrived yet: %(missing)s.",
            missing=", ".join(extra.get("missing", [])),
        ),
        "seed004.6.1.extension_date": lambda: _("Enter the extended pay-by date."),
        "seed004.6.1.extension_reason": lambda: _("Choose why the 30 days are not enough."),
        "seed004.6.1.extension_after_standard": lambda: _(
            "The extended date must be after the 30 days counted from the completion day."
        ),
        "extension_after_current": lambda: _(
            "The extended date must be after the current pay-by date %(day)s.",
            day=day(_date(extra.get("pay_by"))),
        ),
        "payment_on_covered_incident_only": lambda: _(
            "This incident is not covered: nothing can be paid."
        ),
        "payment_on_accepted_incident_only": lambda: _("Only an accepted claim is paid."),
        "paid_on_in_range": lambda: _(
            "The payment day must lie between the day of the incident and today."
        ),
        "approved_limit_exceeded": lambda: _(
            "The payment would pass the approved amount less deductions. %(left)s",
            left=_limit(extra),
        ),
        "per_incident_limit_exceeded": lambda: _(
            "The payment would pass the per-incident limit. %(left)s", left=_limit(extra)
        ),
        "aggregate_limit_exceeded": lambda: _(
            "The payment would pass the member's aggregate limit. %(left)s", left=_limit(extra)
        ),
        "already_reversed": lambda: _("This payment was already reversed."),
    }


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None
