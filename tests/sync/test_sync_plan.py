"""The pure diff of one complete walk against a member's registrations (issue 4 rules)."""

from __future__ import annotations

from datetime import date

import pytest

from groupcover.sync.mapping import VendorSupplier
from groupcover.sync.plan import Existing, plan_changes

RUN_DAY = date(2026, 6, 10)
APR1 = date(2026, 4, 1)


def vendor(
    sid: str = "s1",
    domain: str = "a.example",
    name: str = "A",
    *,
    removed_on=None,
    removed: bool = False,
) -> VendorSupplier:
    return VendorSupplier(sid, name, domain, APR1, removed or removed_on is not None, removed_on)


def reg(
    rid: int = 1,
    sid: str = "s1",
    domain: str = "a.example",
    name: str = "A",
    start: date = APR1,
    end: date | None = None,
) -> Existing:
    return Existing(rid, sid, domain, name, start, end)


def summary(plan) -> tuple:
    return (
        [(c.vendor_supplier_id, c.registered_on, c.deregistered_on) for c in plan.creates],
        [(r.registration.id, r.domain, r.name) for r in plan.renames],
        [(d.registration.id, d.deregistered_on, d.reason) for d in plan.deregistrations],
    )


@pytest.mark.parametrize(
    ("existing", "walk", "expected"),
    [
        # new supplier: from its insert_ts day
        ([], [vendor()], ([("s1", APR1, None)], [], [])),
        # unchanged: nothing to write
        ([reg()], [vendor()], ([], [], [])),
        # domain or name changed: update the active registration
        ([reg()], [vendor(domain="b.example")], ([], [(1, "b.example", "A")], [])),
        ([reg()], [vendor(name="A2")], ([], [(1, "a.example", "A2")], [])),
        # gone from the complete walk: the day before the run
        ([reg()], [], ([], [], [(1, date(2026, 6, 9), "missing")])),
        # rejected/archived: the day of the approval change, else the day before the run
        (
            [reg()],
            [vendor(removed_on=date(2026, 5, 2))],
            ([], [], [(1, date(2026, 5, 2), "approval")]),
        ),
        ([reg()], [vendor(removed=True)], ([], [], [(1, date(2026, 6, 9), "approval")])),
        # removal day before the span began: the span keeps at least its first day
        (
            [reg(start=date(2026, 6, 10))],
            [vendor(removed_on=date(2026, 5, 2))],
            ([], [], [(1, date(2026, 6, 10), "approval")]),
        ),
        ([reg(start=date(2026, 6, 10))], [], ([], [], [(1, date(2026, 6, 10), "missing")])),
        # already removed and still removed: nothing
        ([reg(end=date(2026, 5, 2))], [vendor(removed_on=date(2026, 5, 2))], ([], [], [])),
        ([reg(end=date(2026, 5, 2))], [], ([], [], [])),
        # first seen already removed: a closed span, once
        ([], [vendor(removed_on=date(2026, 5, 2))], ([("s1", APR1, date(2026, 5, 2))], [], [])),
        # removed before it was created (clock skew at the vendor): nothing to record
        ([], [vendor(removed_on=date(2026, 3, 1))], ([], [], [])),
        # back after a removal: a new span from the run day
        ([reg(end=date(2026, 5, 2))], [vendor()], ([("s1", RUN_DAY, None)], [], [])),
        # back after a removal dated in the future: the day after it
        ([reg(end=date(2026, 6, 20))], [vendor()], ([("s1", date(2026, 6, 21), None)], [], [])),
        # several closed spans: the latest decides
        (
            [
                reg(1, end=date(2026, 4, 5)),
                reg(2, start=date(2026, 5, 1), end=date(2026, 6, 1)),
                reg(3, start=date(2026, 4, 10), end=date(2026, 4, 20)),
            ],
            [vendor()],
            ([("s1", RUN_DAY, None)], [], []),
        ),
    ],
)
def test_plan(existing, walk, expected) -> None:
    plan = plan_changes(existing, {v.vendor_supplier_id: v for v in walk}, set(), RUN_DAY)
    assert summary(plan) == expected


def test_listed_but_unreadable_is_not_deregistered() -> None:
    plan = plan_changes([reg(1, "s1"), reg(2, "s2")], {}, {"s1"}, RUN_DAY)
    assert summary(plan) == ([], [], [(2, date(2026, 6, 9), "missing")])


def test_two_suppliers_with_one_domain_are_two_registrations() -> None:
    walk = {v.vendor_supplier_id: v for v in (vendor("s1"), vendor("s2"))}
    plan = plan_changes([reg(1, "s1")], walk, set(), RUN_DAY)
    assert summary(plan) == ([("s2", APR1, None)], [], [])
