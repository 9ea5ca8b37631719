"""What one complete walk of a member's vendor account changes in its registrations.

Pure: the existing registrations and the walk go in, the writes come out; no SQL, no clock
(the run's day is a parameter). The rules (issue 4, rule C1 of seed 004: a registered supplier
登録企業 is insured while registered):

- a supplier new to the member opens a registration from the day of its ``insert_ts``;
- a supplier that turns REJECTED or ARCHIVED is deregistered on the day its approval changed,
  or — day unknown — on the day before the run; one that disappears from the complete walk
  is deregistered on the day before the run that first missed it;
- a supplier that comes back opens a new span (never reopens the old one), from the run day;
- a changed domain or name updates the active registration;
- nothing else is written, so a second run with no change upstream writes nothing.

Only call this with a walk that finished: a partial walk says nothing about what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from groupcover.sync.mapping import VendorSupplier


class Existing(NamedTuple):
    """The columns of a registration the diff needs (a named tuple: a run reads 100,000)."""

    id: int
    vendor_supplier_id: str
    domain: str
    name: str
    registered_on: date
    deregistered_on: date | None


@dataclass(frozen=True, slots=True)
class NewSpan:
    vendor_supplier_id: str
    domain: str
    name: str
    registered_on: date
    deregistered_on: date | None


@dataclass(frozen=True, slots=True)
class Rename:
    """A changed domain and/or name of an active registration."""

    registration: Existing
    domain: str
    name: str


@dataclass(frozen=True, slots=True)
class Deregistration:
    registration: Existing
    deregistered_on: date
    reason: str


@dataclass(slots=True)
class Plan:
    creates: list[NewSpan] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    deregistrations: list[Deregistration] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.creates or self.renames or self.deregistrations)


def plan_changes(
    existing: Iterable[Existing],
    walk: Mapping[str, VendorSupplier],
    unreadable_ids: Iterable[str],
    run_day: date,
) -> Plan:
    """The writes that make the member's registrations mirror ``walk``.

    ``walk`` holds every mapped record of the complete walk by vendor supplier id;
    ``unreadable_ids`` are ids listed but not mappable: they are present, so never
    deregistered, but nothing is created or changed for them.
    """
    day_before = run_day - timedelta(days=1)
    active: dict[str, Existing] = {}
    last_closed: dict[str, date] = {}
    for reg in existing:
        if reg.deregistered_on is None:
            active[reg.vendor_supplier_id] = reg
        elif reg.deregistered_on > last_closed.get(reg.vendor_supplier_id, date.min):
            last_closed[reg.vendor_supplier_id] = reg.deregistered_on
    plan = Plan()
    for supplier_id, supplier in walk.items():
        current = active.get(supplier_id)
        if supplier.removed:
            end = supplier.removed_on or day_before
            if current is not None:
                plan.deregistrations.append(
                    Deregistration(current, max(end, current.registered_on), "approval")
                )
            elif supplier_id not in last_closed and end >= supplier.registered_on:
                plan.creates.append(_span(supplier, supplier.registered_on, end))
        elif current is not None:
            if (current.domain, current.name) != (supplier.domain, supplier.name):
                plan.renames.append(Rename(current, supplier.domain, supplier.name))
        elif supplier_id in last_closed:
            reopened = max(run_day, last_closed[supplier_id] + timedelta(days=1))
            plan.creates.append(_span(supplier, reopened))
        else:
            plan.creates.append(_span(supplier, supplier.registered_on))
    present = walk.keys() | set(unreadable_ids)
    for supplier_id, reg in active.items():
        if supplier_id not in present:
            plan.deregistrations.append(
                Deregistration(reg, max(day_before, reg.registered_on), "missing")
            )
    return plan


def _span(supplier: VendorSupplier, start: date, end: date | None = None) -> NewSpan:
    return NewSpan(supplier.vendor_supplier_id, supplier.domain, supplier.name, start, end)
