"""The sync's database writes: registrations in bulk, their audit entries, account results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, update
from sqlmodel import Session

from groupcover import audit, clock, db
from groupcover.suppliers.models import Registration
from groupcover.sync.models import SyncAccountResult
from groupcover.sync.plan import Plan


def write_plans(session: Session, plans: list[tuple[int, Plan]], actor: str) -> None:
    """Bulk INSERT/UPDATE of the plans. The audit trail gets one entry per registration
    updated or deregistered, and one per member listing the registrations created."""
    now = clock.now()
    creates: list[dict[str, Any]] = []
    renames: list[dict[str, Any]] = []
    deregistrations: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for member_id, plan in plans:
        values = [
            {
                "member_id": member_id,
                "vendor_supplier_id": new.vendor_supplier_id,
                "domain": new.domain,
                "name": new.name,
                "registered_on": new.registered_on,
                "deregistered_on": new.deregistered_on,
            }
            for new in plan.creates
        ]
        if values:
            creates += values
            entries.append(
                {
                    "action": "registration.sync_create",
                    "entity": "member",
                    "entity_id": member_id,
                    "after": {
                        "created": len(values),
                        "vendor_supplier_ids": [new.vendor_supplier_id for new in plan.creates],
                    },
                }
            )
        for r in plan.renames:
            renames.append(
                {"id": r.registration.id, "domain": r.domain, "name": r.name, "updated_at": now}
            )
            entries.append(
                {
                    "action": "registration.sync_update",
                    "entity": "registration",
                    "entity_id": r.registration.id,
                    "before": {"domain": r.registration.domain, "name": r.registration.name},
                    "after": {"domain": r.domain, "name": r.name},
                }
            )
        for d in plan.deregistrations:
            deregistrations.append(
                {"id": d.registration.id, "deregistered_on": d.deregistered_on, "updated_at": now}
            )
            entries.append(
                {
                    "action": "registration.sync_deregister",
                    "entity": "registration",
                    "entity_id": d.registration.id,
                    "before": {"deregistered_on": None},
                    "after": {
                        "deregistered_on": d.deregistered_on.isoformat(),
                        "reason": d.reason,
                    },
                }
            )
    if creates:
        db.insert_many(
            session.connection(),
            Registration.__table__,  # type: ignore[attr-defined]
            creates,
            {"source": "sync", "created_at": now, "updated_at": now},
        )
    for changes in (renames, deregistrations):
        if changes:
            session.execute(update(Registration), changes)
    audit.record_many(session, entries, actor=actor)


def insert_results(session: Session, results: list[SyncAccountResult]) -> None:
    session.execute(
        insert(SyncAccountResult.__table__),  # type: ignore[attr-defined]
        [r.model_dump(exclude={"id"}) for r in results],
    )


def save_results(engine: Engine, results: list[SyncAccountResult]) -> None:
    """Store the results that no registration change carried, in one bulk INSERT."""
    if results:
        with db.transaction(engine) as session:
            insert_results(session, results)
        results.clear()
