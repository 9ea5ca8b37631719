"""Leases, aware instants and serialised check-then-write, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from groupcover import clock, db
from groupcover.audit import AuditEntry
from groupcover.errors import Conflict
from groupcover.terms.flows import create_term
from tests import factories as f


def test_lease_one_holder_at_a_time_and_expiry(app, freeze):
    engine = app.extensions["groupcover.engine"]
    freeze("2026-05-01T00:00:00+00:00")
    assert db.acquire_lease(engine, "sync", "host-a", timedelta(minutes=5))
    assert not db.acquire_lease(engine, "sync", "host-b", timedelta(minutes=5))
    assert db.acquire_lease(engine, "sync", "host-a", timedelta(minutes=5))  # renewal
    freeze("2026-05-01T00:05:01+00:00")  # host-a crashed; its lease lapsed
    assert db.acquire_lease(engine, "sync", "host-b", timedelta(minutes=5))
    db.release_lease(engine, "sync", "host-a")  # not the holder: nothing happens
    assert not db.acquire_lease(engine, "sync", "host-a", timedelta(minutes=5))
    db.release_lease(engine, "sync", "host-b")
    assert db.acquire_lease(engine, "sync", "host-a", timedelta(minutes=5))


def test_instants_come_back_aware_in_utc(app):
    moment = datetime(2026, 4, 1, 9, 0, tzinfo=clock.now().astimezone().tzinfo)
    with db.transaction() as s:
        s.add(AuditEntry(at=moment, actor="t", action="x", entity="e"))
    with db.transaction(write=False) as s:
        got = s.execute(select(AuditEntry.at)).scalar_one()
    assert got == moment and got.tzinfo == UTC


def test_naive_instants_are_refused(app):
    with pytest.raises(Exception, match="naive"), db.transaction() as s:
        s.add(AuditEntry(at=datetime(2026, 4, 1), actor="t", action="x", entity="e"))
        s.flush()


def test_concurrent_overlapping_terms_one_wins(app, client, admin):
    """Two hosts enrol overlapping terms at once: exactly one succeeds (member row lock /
    BEGIN IMMEDIATE), the other gets the overlap conflict."""
    member = f.member(client, admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enrol(start: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                with db.transaction() as s:
                    create_term(
                        s,
                        member["id"],
                        datetime.fromisoformat(start).date(),
                        datetime.fromisoformat("2027-03-31").date(),
                    )
                outcomes.append("created")
            except Conflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=enrol, args=(d,)) for d in ("2026-04-01", "2026-05-01")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "created"]
    terms = client.get(f"/api/v1/members/{member['id']}/terms", headers=admin).get_json()
    assert len(terms) == 1


def test_driver_select_answers_what_sqlalchemy_answers(app, client, admin):
    """Dates, NULLs, a labelled scalar subquery and a repeated parameter come back the same
    through the driver's cursor as through ``conn.execute``."""
    from sqlalchemy import Date, bindparam, func

    from groupcover.suppliers.models import Registration
    from groupcover.terms.models import Term

    member = f.member(client, admin)
    f.term(client, admin, member["id"], "2026-04-01", "2027-03-31")
    f.registration(client, admin, member["id"], "a.example.jp", "2026-05-01")
    gone = f.registration(client, admin, member["id"], "b.example.jp", "2026-04-10")
    f.deregister(client, admin, member["id"], gone["id"], "2026-09-30")
    reg, term = db.table(Registration), db.table(Term)
    on = bindparam("on", type_=Date)
    stmt = (
        select(
            reg.c.id,
            reg.c.domain,
            reg.c.registered_on,
            reg.c.deregistered_on,
            select(func.max(term.c.end_date)).where(term.c.start_date <= on).scalar_subquery(),
        )
        .where(reg.c.member_id == bindparam("member_id"), reg.c.registered_on <= on)
        .order_by(reg.c.id)
    )
    params = {"member_id": member["id"], "on": datetime(2026, 6, 1).date()}
    with app.extensions["groupcover.engine"].connect() as conn:
        expected = [tuple(row) for row in conn.execute(stmt, params)]
        got = db.DriverSelect(stmt).rows(conn, params)
    assert len(expected) == 2 and expected[1][3] is not None
    assert [tuple(row) for row in got] == expected
    assert [row.domain for row in got] == ["a.example.jp", "b.example.jp"]


def test_insert_many_applies_each_columns_bind_processing(app):
    """The bulk helper: aware instants stored as UTC, JSON encoded, NULLs kept, the constants
    in every row, in one transaction with the session's other work."""
    tokyo = datetime(2026, 5, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    rows = [
        {"action": "a.one", "entity": "member", "entity_id": 1, "after": {"名前": "一"}},
        {"action": "a.two", "entity": "member", "entity_id": None, "after": None},
        {"action": "a.three", "entity": "term", "entity_id": 3, "after": {"n": [1, 2]}},
    ]
    with db.transaction() as session:
        db.insert_many(
            session.connection(), AuditEntry.__table__, rows, {"actor": "bulk", "at": tokyo}
        )
        db.insert_many(session.connection(), AuditEntry.__table__, [], {"actor": "nobody"})
    with db.transaction(write=False) as session:
        stored = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(e.action, e.entity_id, e.after, e.actor, e.at) for e in stored] == [
        ("a.one", 1, {"名前": "一"}, "bulk", datetime(2026, 5, 1, 0, 0, tzinfo=UTC)),
        ("a.two", None, None, "bulk", datetime(2026, 5, 1, 0, 0, tzinfo=UTC)),
        ("a.three", 3, {"n": [1, 2]}, "bulk", datetime(2026, 5, 1, 0, 0, tzinfo=UTC)),
    ]


def test_insert_many_rows_without_processing_read_back_as_the_api_stores_them(app, client, admin):
    """The sync's path (row columns that need no processing, read with one ``itemgetter``;
    aware instants as constants, sent once in the driver's form): the rows read back exactly
    as a registration the API made, dates, NULLs and instants included."""
    from groupcover.suppliers.models import Registration

    m = f.member(client, admin)
    made = f.registration(client, admin, m["id"], "api.example.jp", "2028-02-29")
    tokyo = datetime(2026, 5, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    rows = [
        {
            "member_id": m["id"],
            "domain": f"bulk{n}.example.jp",
            "name": f"株式会社{n}",
            "vendor_supplier_id": f"v-{n}",
            "registered_on": date(2028, 2, 29),
            "deregistered_on": date(2028, 12, 31) if n else None,
        }
        for n in range(2)
    ]
    with db.transaction() as session:
        db.insert_many(
            session.connection(),
            Registration.__table__,
            rows,
            {"source": "sync", "created_at": tokyo, "updated_at": tokyo},
        )
    with db.transaction(write=False) as session:
        stored = session.execute(select(Registration).order_by(Registration.id)).scalars().all()
    assert [(r.domain, r.registered_on, r.deregistered_on, r.source) for r in stored] == [
        ("api.example.jp", date(2028, 2, 29), None, "manual"),
        ("bulk0.example.jp", date(2028, 2, 29), None, "sync"),
        ("bulk1.example.jp", date(2028, 2, 29), date(2028, 12, 31), "sync"),
    ]
    assert stored[0].id == made["id"]
    assert {r.created_at for r in stored[1:]} == {datetime(2026, 5, 1, 0, 0, tzinfo=UTC)}
    assert [r.name for r in stored[1:]] == ["株式会社0", "株式会社1"]


def test_insert_many_rolls_back_with_its_transaction(app):
    with pytest.raises(RuntimeError), db.transaction() as session:
        db.insert_many(
            session.connection(),
            AuditEntry.__table__,
            [{"action": "x", "entity": "member"}],
            {"actor": "bulk", "at": clock.now()},
        )
        raise RuntimeError("later in the same transaction")
    with db.transaction(write=False) as session:
        assert session.execute(select(AuditEntry)).first() is None
