"""GET /coverage keeps the count of big answers, and a kept count is never a stale one.

A first page that is full needs the number of entries in all; that count is kept per process
and used again only while ``coverage_generation`` stays the same. Every committed write of a
registration, a term or a member moves it, whatever path wrote (API, bulk insert, console).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from groupcover import db
from groupcover.config import update_settings
from groupcover.coverage import counts, service
from groupcover.suppliers.models import Registration
from tests import factories as f

DOMAIN = "cloud-mail.example.com"
_BULK = {
    "registered_on": date(2026, 4, 2),
    "source": "sync",
    "created_at": datetime(2026, 4, 2, tzinfo=UTC),
    "updated_at": datetime(2026, 4, 2, tzinfo=UTC),
}
URL = f"/api/v1/coverage?domain={DOMAIN}&on=2026-08-01&page_size=2"


def _generation(app) -> int:
    with app.app_context(), db.transaction(write=False) as session:
        return session.execute(select(db.CoverageGeneration.value)).scalar_one()


def _total(client, admin) -> int:
    r = client.get(URL, headers=admin)
    assert r.status_code == 200
    return r.get_json()["total"]


@pytest.fixture
def three_members(client, admin):
    members = [f.insured_member(client, admin) for _ in range(3)]
    regs = [f.registration(client, admin, m["id"], DOMAIN, "2026-04-01") for m in members]
    return members, regs


class _NoCount:
    """Stands in for the count statement: a kept count must answer instead."""

    def rows(self, conn, params):
        raise AssertionError("counted again although the kept count was still exact")


def test_a_kept_count_answers_while_nothing_was_written(
    app, client, admin, three_members, monkeypatch
):
    assert _total(client, admin) == 3  # counted, and kept
    monkeypatch.setattr(service, "_COVERAGE_COUNT", _NoCount())
    r = client.get(URL, headers=admin)
    assert r.get_json()["total"] == 3 and len(r.get_json()["coverages"]) == 2
    assert client.get(URL + "&page=2", headers=admin).get_json()["total"] == 3


def test_each_write_of_who_is_covered_is_seen_at_once(app, client, admin, three_members):
    members, regs = three_members
    assert _total(client, admin) == 3
    fourth = f.insured_member(client, admin)
    assert _total(client, admin) == 3  # a member and a term alone cover nothing yet
    f.registration(client, admin, fourth["id"], DOMAIN, "2026-04-01")
    assert _total(client, admin) == 4  # a registration
    f.deregister(client, admin, members[0]["id"], regs[0]["id"], "2026-07-31")
    assert _total(client, admin) == 3  # a deregistration
    r = client.post(
        f"/api/v1/members/{members[1]['id']}/terms/{members[1]['term']['id']}/cancel",
        json={"last_day": "2026-07-31"},
        headers=admin,
    )
    assert r.status_code == 200
    assert _total(client, admin) == 2  # a term cancelled before the day


def test_every_committed_write_moves_the_generation_and_nothing_else_does(app, client, admin):
    m = f.insured_member(client, admin)
    before = _generation(app)
    f.registration(client, admin, m["id"], DOMAIN, "2026-04-01")
    after_api = _generation(app)
    assert after_api == before + 1  # one transaction, one step, however many statements
    client.get(URL, headers=admin)
    client.get(f"/api/v1/members/{m['id']}/suppliers", headers=admin)
    assert _generation(app) == after_api  # reads move nothing

    with app.app_context():
        engine = db.engine()
        with engine.connect() as conn:  # the bulk insert the sync uses (COPY on PostgreSQL)
            db.insert_many(
                conn,
                db.table(Registration),
                [{"member_id": m["id"], "domain": "bulk.example.com", "name": "bulk"}],
                _BULK,
            )
            conn.rollback()  # rolled back: nothing happened, nothing moves
        assert _generation(app) == after_api
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE registration SET name = 'renamed' WHERE member_id = :m"),
                {"m": m["id"]},
            )
        assert _generation(app) == after_api + 1  # text SQL is seen too
        with engine.begin() as conn:
            conn.execute(text("UPDATE program SET name = name"))
        assert _generation(app) == after_api + 1  # not a table that decides coverage


def test_bulk_inserted_registrations_are_counted_at_once(app, client, admin, three_members):
    members, _ = three_members
    assert _total(client, admin) == 3
    extra = f.insured_member(client, admin)
    with app.app_context(), db.engine().begin() as conn:
        db.insert_many(
            conn,
            db.table(Registration),
            [{"member_id": extra["id"], "domain": DOMAIN, "name": DOMAIN}],
            _BULK,
        )
    assert _total(client, admin) == 4


def test_counting_every_time_when_the_cache_is_off(app, client, admin, three_members):
    assert _total(client, admin) == 3  # kept
    update_settings(app, COVERAGE_COUNT_CACHE_ENTRIES=0)
    cache = app.extensions["groupcover.coverage_counts"]
    cache._counts.clear()
    assert _total(client, admin) == 3
    assert cache._counts == {}  # nothing kept

    with app.app_context(), db.engine().begin() as conn:  # behind the app's back: not seen
        conn.connection.cursor().execute(
            f"DELETE FROM registration WHERE member_id = {int(three_members[0][0]['id'])}"
        )
    assert _total(client, admin) == 2  # counted again, not kept


def test_a_count_is_kept_no_longer_than_its_age_limit(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(counts.time, "monotonic", lambda: now[0])
    cache = counts.CountCache(size=2, max_age=300)
    day = date(2026, 8, 1)
    cache.put("a", day, 7, 42)
    assert cache.get("a", day, 7) == 42
    assert cache.get("a", day, 8) is None  # written since
    assert cache.get("a", day, None) is None  # no generation read: no page row to compare
    now[0] += 300
    assert cache.get("a", day, 7) == 42  # exactly the limit: still used
    now[0] += 0.5
    assert cache.get("a", day, 7) is None
    cache.put("b", day, 7, 1)
    cache.put("c", day, 7, 2)
    cache.put("d", day, 7, 3)  # over the size: the oldest go first
    assert cache.get("a", day, 7) is None and cache.get("b", day, 7) is None
    assert cache.get("d", day, 7) == 3
