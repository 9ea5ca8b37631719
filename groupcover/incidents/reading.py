"""Reading incidents and claims: the incident and its lists (as ``Select`` queries for
paging), its victims, the §5⑦ documents checklist, and the views the API and the console
render (cost lines, the claim with its groups, deductions, payments and timeline).

Nothing here writes; every function takes a session or rows and returns rows or plain dicts.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from groupcover import crypto
from groupcover.errors import NotFound
from groupcover.incidents.models import CostLine, Deduction, Event, Incident, Payment
from groupcover.rules import claims as claim_rules
from groupcover.rules import costs as cost_rules
from groupcover.rules import limits as limit_rules


def get_incident(session: Session, incident_id: int, member_id: int | None) -> Incident:
    """The incident; 404 when unknown or (``member_id`` given) another member's."""
    incident = session.get(Incident, incident_id)
    if incident is None or (member_id is not None and incident.member_id != member_id):
        raise NotFound("incident", incident_id)
    return incident


def list_incidents_query(
    visible_member_id: int | None,
    member_id: int | None = None,
    covered: bool | None = None,
    status: str | None = None,
) -> Select:
    stmt = select(Incident).order_by(col(Incident.id))
    if visible_member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == visible_member_id)
    if member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == member_id)
    if covered is not None:
        stmt = stmt.where(col(Incident.covered) == covered)
    if status is not None:
        stmt = stmt.where(col(Incident.status) == status)
    return stmt


def overdue_query(on: date) -> Select:
    """Claims whose ``pay_by`` (extended or not) has passed on ``on`` and that are neither
    paid in full nor declined."""
    return (
        select(Incident)
        .where(
            col(Incident.pay_by).is_not(None),
            col(Incident.pay_by) < on,
            col(Incident.status).not_in(
                [claim_rules.Status.PAID.value, claim_rules.Status.DECLINED.value]
            ),
        )
        .order_by(col(Incident.pay_by), col(Incident.id))
    )


def victims(incident: Incident) -> list[dict[str, str]]:
    """The victims in clear, for the administrator and the incident's member only."""
    return json.loads(crypto.decrypt(incident.victims_encrypted))


def victims_count(incident: Incident) -> int:
    """How many victims are recorded (counted from the ciphertext for rows migrated without
    the key at hand)."""
    if incident.victims_count is None:
        return len(victims(incident))
    return incident.victims_count


def documents_status(incident: Incident) -> list[dict[str, Any]]:
    """The seed 004 §5⑦ checklist (ア–エ) with what was requested and received."""
    return [
        {
            "code": doc.code,
            "name_ja": doc.name_ja,
            "name_en": doc.name_en,
            "requested": bool(incident.documents.get(doc.code, {}).get("requested", False)),
            "received_on": _date_or_none(incident.documents.get(doc.code, {}).get("received_on")),
        }
        for doc in claim_rules.CLAIM_DOCUMENTS
    ]


def _date_or_none(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def costs_query(incident: Incident) -> Select:
    return (
        select(CostLine).where(col(CostLine.incident_id) == incident.id).order_by(col(CostLine.id))
    )


def payments_query(incident: Incident) -> Select:
    return select(Payment).where(col(Payment.incident_id) == incident.id).order_by(col(Payment.id))


def deductions_query(incident: Incident) -> Select:
    return (
        select(Deduction)
        .where(col(Deduction.incident_id) == incident.id)
        .order_by(col(Deduction.id))
    )


def cost_view(line: CostLine) -> dict[str, Any]:
    """A cost line with its group's and category's names and the approval notes."""
    return {
        **line.model_dump(),
        "group_name_ja": cost_rules.GROUP_NAMES_JA[cost_rules.Group(line.group)],
        "category_name_ja": cost_rules.CATEGORY_NAMES_JA[cost_rules.Category(line.category)],
        "approval_notes": [
            {"code": n.code, "ja": n.ja, "en": n.en}
            for n in cost_rules.approval_notes(cost_rules.Category(line.category))
        ],
    }


def claim_view(session: Session, incident: Incident, internal: bool) -> dict[str, Any]:
    """Everything the console shows of one claim, as plain values: the incident with its
    status and totals, its cost lines by group (claimed, approved, paid as allocated in line
    order), deductions, payments and the timeline. ``internal`` adds the decision note and the
    timeline's internal notes (administrators only)."""
    lines = list(session.execute(costs_query(incident)).scalars())
    allocated = limit_rules.allocate_paid(
        incident.paid_yen, [line.approved_yen or 0 for line in lines]
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for line, paid in zip(lines, allocated, strict=True):
        groups.setdefault(line.group, []).append({**cost_view(line), "paid_yen": paid})
    view = incident_view(incident, internal)
    view.update(
        groups=[
            {
                "group": g.value,
                "name_ja": cost_rules.GROUP_NAMES_JA[g],
                "lines": groups[g.value],
                "claimed_yen": sum(line["amount_yen"] for line in groups[g.value]),
                "approved_yen": sum(line["approved_yen"] or 0 for line in groups[g.value]),
            }
            for g in cost_rules.Group
            if g.value in groups
        ],
        deductions=[d.model_dump() for d in session.execute(deductions_query(incident)).scalars()],
        payments=[p.model_dump() for p in session.execute(payments_query(incident)).scalars()],
        timeline=timeline(session, incident, internal),
    )
    return view


def incident_view(incident: Incident, internal: bool) -> dict[str, Any]:
    """The incident as plain values (no victims), with its count of victims, the decision
    and, for an administrator, the internal decision note."""
    exclude = {"victims_encrypted", "documents"} | (set() if internal else {"decision_note"})
    view = incident.model_dump(exclude=exclude)
    view["victims_count"] = victims_count(incident)
    view["exclusion_name_ja"] = cost_rules.EXCLUSIONS.get(incident.exclusion or "")
    view["outstanding_yen"] = max(
        incident.approved_yen - incident.deducted_yen - incident.paid_yen, 0
    )
    return view


def timeline(session: Session, incident: Incident, internal: bool) -> list[dict[str, Any]]:
    """Every dated event of the incident in the order it was recorded, with who caused it;
    internal notes only when ``internal``."""
    events = session.execute(
        select(Event)
        .where(col(Event.incident_id) == incident.id)
        .order_by(col(Event.at), col(Event.id))
    ).scalars()
    return [e.model_dump(exclude=set() if internal else {"note"}) for e in events]


def timeline_query(incident: Incident) -> Select:
    return (
        select(Event)
        .where(col(Event.incident_id) == incident.id)
        .order_by(col(Event.at), col(Event.id))
    )


def open_incidents_query(visible_member_id: int | None = None) -> Select[tuple[Incident]]:
    """Incidents whose claim is not complete yet (the ones someone is still working on)."""
    stmt = (
        select(Incident)
        .where(col(Incident.completed_on).is_(None))
        .order_by(col(Incident.id).desc())
    )
    if visible_member_id is not None:
        stmt = stmt.where(col(Incident.member_id) == visible_member_id)
    return stmt
