"""Reporting incidents, claiming costs, deciding, approving, deducting, completing claims,
paying and reversing payments (seed 004 §3–§6): the one place the API and the console call.

The work lives in four modules beside this one, re-exported here:

- ``reading``: the incident, its lists, victims, checklist and the views rendered from them;
- ``reporting``: reporting an incident with its coverage answer (C1 and exclusions ⑩ ⑪,
  recorded with the incident, which is kept even when not covered), confirming an attack,
  replacing the victims;
- ``claims``: cost lines, approvals, the insurer's decision (accepted, or declined under a §4
  exclusion), deductions, the documents checklist and completion with ``pay_by``;
- ``payments``: payments and reversals, never beyond approved − deductions, the
  per-incident limit of the coverage-terms version in force on ``occurred_on``, or the
  member's aggregate for that coverage period (C3), under a lock on its term row.

``common`` holds what every write shares (row lock, timeline event, audit, status). Every
function takes a session and plain values and returns rows or plain dicts, so the API and
the console render the same answers; every change appends a dated event to the incident's
timeline.
"""

from __future__ import annotations

from groupcover.incidents.claims import (
    MAX_YEN,
    add_cost,
    add_deduction,
    complete_claim,
    decide,
    set_approved,
    update_documents,
)
from groupcover.incidents.payments import (
    PaymentResult,
    record_payment,
    reverse_payment,
    term_payments,
)
from groupcover.incidents.reading import (
    claim_view,
    cost_view,
    costs_query,
    deductions_query,
    documents_status,
    get_incident,
    incident_view,
    list_incidents_query,
    open_incidents_query,
    overdue_query,
    payments_query,
    timeline,
    timeline_query,
    victims,
    victims_count,
)
from groupcover.incidents.reporting import confirm_attack, replace_victims, report_incident

__all__ = [
    "MAX_YEN",
    "PaymentResult",
    "add_cost",
    "add_deduction",
    "claim_view",
    "complete_claim",
    "confirm_attack",
    "cost_view",
    "costs_query",
    "decide",
    "deductions_query",
    "documents_status",
    "get_incident",
    "incident_view",
    "list_incidents_query",
    "open_incidents_query",
    "overdue_query",
    "payments_query",
    "record_payment",
    "replace_victims",
    "report_incident",
    "reverse_payment",
    "set_approved",
    "term_payments",
    "timeline",
    "timeline_query",
    "update_documents",
    "victims",
    "victims_count",
]
