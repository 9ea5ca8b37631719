"""A domain's timeline: ``total`` of every later day from the spans read once.

When a second day of the same domain needs a count (a full first page), the domain's insured
spans are read once and each further day is counted from them (``coverage.counts``). These
tests hold the timeline to the SQL count it replaces, day by day, across renewals, a gap, a
cancellation, overlapping and touching registrations, a deregistration and a leap day, and
check that a write is seen at once.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from groupcover import db
from groupcover.config import update_settings
from groupcover.coverage import counts, service
from groupcover.coverage.counts import CountCache, DomainTimeline
from groupcover.suppliers.models import Registration
from tests import factories as f

DOMAIN = "storage.example.net"
FIRST_DAY = date(2024, 1, 1)


def brute_count(spans: list[tuple[int, date, date]], on: date) -> int:
    return len({m for m, first, last in spans if first <= on <= last})


def timeline_of(spans: list[tuple[int, date, date]]) -> DomainTimeline:
    """What the SQL gives ``DomainTimeline``: how many spans begin and end on each day."""
    begins = Counter(first for _m, first, _last in spans)
    ends = Counter(last for _m, _first, last in spans)
    return DomainTimeline(begins.items(), ends.items())


@pytest.mark.parametrize("seed", range(25))
def test_the_timeline_counts_what_counting_the_spans_gives(seed):
    rng = random.Random(seed)
    spans = []
    for member_id in range(rng.randrange(1, 12)):
        day = FIRST_DAY + timedelta(days=rng.randrange(0, 30))
        for _ in range(rng.randrange(1, 5)):  # a member's spans never overlap; may touch
            last = day + timedelta(days=rng.randrange(0, 20))
            spans.append((member_id, day, last))
            day = last + timedelta(days=rng.randrange(1, 10))
    timeline = timeline_of(spans)
    for offset in range(-2, 200):
        day = FIRST_DAY + timedelta(days=offset)
        assert timeline.count(day) == brute_count(spans, day), day


def test_one_day_spans_and_a_leap_day():
    d = date
    spans = [(1, d(2024, 2, 29), d(2024, 2, 29)), (2, d(2024, 2, 28), d(2024, 3, 1))]
    timeline = timeline_of(spans)
    days = [d(2024, 2, 27), d(2024, 2, 28), d(2024, 2, 29), d(2024, 3, 1), d(2024, 3, 2)]
    assert [timeline.count(day) for day in days] == [0, 1, 2, 1, 0]
    assert timeline_of([]).count(d(2024, 2, 29)) == 0


def test_a_timeline_is_wanted_only_after_another_day_of_the_domain_was_counted():
    cache = CountCache(size=10, max_age=300)
    assert not cache.wants_timeline("a", 1)
    cache.put("a", date(2026, 5, 1), 1, 60)
    assert cache.wants_timeline("a", 1)
    assert not cache.wants_timeline("a", 2)  # counted before a write: not this generation
    assert not cache.wants_timeline("b", 1)
    cache.put_timeline("a", 1, timeline_of([(1, date(2026, 4, 1), date(2027, 3, 31))]))
    assert cache.get("a", date(2026, 9, 9), 1) == 1
    assert cache.get("a", date(2026, 9, 9), 2) is None  # written since
    assert CountCache(size=0, max_age=300).wants_timeline("a", 1) is False


def test_timelines_kept_stay_within_their_budget(monkeypatch):
    monkeypatch.setattr(counts, "TIMELINE_MAX_DAYS", 5)
    cache = CountCache(size=10, max_age=300)
    d = date
    three = timeline_of([(1, d(2026, 4, 1), d(2026, 4, 30)), (2, d(2026, 4, 1), d(2026, 4, 9))])
    cache.put_timeline("a", 1, three)
    cache.put_timeline("b", 1, three)  # 6 days would not fit: "a" goes
    assert cache.get("a", d(2026, 4, 5), 1) is None
    assert cache.get("b", d(2026, 4, 5), 1) == 2
    big = timeline_of([(m, d(2026, 4, 1 + m), d(2026, 4, 2 + m)) for m in range(3)])
    cache.put_timeline("c", 1, big)  # bigger than the whole budget: not kept
    assert cache.get("c", d(2026, 4, 1), 1) is None
    assert cache.get("b", d(2026, 4, 5), 1) == 2


@pytest.fixture
def program(client, admin):
    """Six members around one domain, each a different edge of C1/C2."""
    reg, d = f.registration, DOMAIN
    renewed = f.insured_member(client, admin, "2024-02-29", "2025-02-28")
    f.term(client, admin, renewed["id"], "2025-03-01", "2026-02-28")  # renewed the next day
    reg(client, admin, renewed["id"], d, "2024-01-01")
    gap = f.insured_member(client, admin, "2024-04-01", "2024-09-30")
    f.term(client, admin, gap["id"], "2024-11-01", "2025-10-31")  # a month without cover
    reg(client, admin, gap["id"], d, "2024-06-15")
    cancelled = f.insured_member(client, admin, "2024-04-01", "2025-03-31")
    r = client.post(
        f"/api/v1/members/{cancelled['id']}/terms/{cancelled['term']['id']}/cancel",
        json={"last_day": "2024-12-31"},
        headers=admin,
    )
    assert r.status_code == 200, r.get_json()
    reg(client, admin, cancelled["id"], d, "2024-03-01")
    twice = f.insured_member(client, admin, "2024-03-01", "2025-02-28")
    first = reg(client, admin, twice["id"], d, "2024-03-10")
    f.deregister(client, admin, twice["id"], first["id"], "2024-05-31")
    again = reg(client, admin, twice["id"], d, "2024-06-01", name="again")  # touching
    f.deregister(client, admin, twice["id"], again["id"], "2024-07-15")
    reg(client, admin, twice["id"], d, "2024-08-01", name="after a gap")
    late = f.insured_member(client, admin, "2024-01-15", "2025-01-14")
    reg(client, admin, late["id"], d, "2024-12-25")  # registered near the term's end
    for_one_day = f.insured_member(client, admin, "2024-07-07", "2024-07-07")
    reg(client, admin, for_one_day["id"], d, "2024-01-01")
    return [renewed, gap, cancelled, twice, late, for_one_day]


def _days() -> list[str]:
    edges = [
        "2024-01-14", "2024-01-15", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-10",
        "2024-05-31", "2024-06-01", "2024-06-15", "2024-07-06", "2024-07-07", "2024-07-08",
        "2024-07-15", "2024-07-16", "2024-08-01", "2024-09-30", "2024-10-01", "2024-10-31",
        "2024-11-01", "2024-12-24",
        "2024-12-25", "2024-12-31", "2025-01-01", "2025-01-14", "2025-01-15", "2025-02-28",
        "2025-03-01", "2025-10-31", "2025-11-01", "2026-02-28", "2026-03-01",
    ]  # fmt: skip
    return edges


def _timeline_kept(app) -> bool:
    """A timeline of DOMAIN is kept for the present state (one from an earlier test may stay
    in the app's cache under an old counter)."""
    with app.app_context(), db.transaction(write=False) as session:
        generation = session.execute(select(db.CoverageGeneration.value)).scalar_one()
    kept = app.extensions["groupcover.coverage_counts"]._timelines.get(DOMAIN)
    return kept is not None and kept[0] == generation


def _totals(client, admin) -> dict[str, int]:
    answers = {}
    for day in _days():
        r = client.get(f"/api/v1/coverage?domain={DOMAIN}&on={day}&page_size=1", headers=admin)
        assert r.status_code == 200, r.get_json()
        answers[day] = r.get_json()["total"]
    return answers


def test_totals_from_the_timeline_are_the_counted_ones(app, client, admin, program):
    update_settings(app, COVERAGE_COUNT_CACHE_ENTRIES=0)
    counted = _totals(client, admin)  # every one counted in SQL
    update_settings(app, COVERAGE_COUNT_CACHE_ENTRIES=10_000)
    assert _totals(client, admin) == counted
    assert _timeline_kept(app)  # the second day on was answered from the timeline
    assert _totals(client, admin) == counted  # and again, all from it
    # a few by hand, so both cannot be wrong the same way
    assert counted["2024-02-29"] == 1  # renewed only: late registers in December
    assert counted["2024-07-07"] == 5  # all but late
    assert counted["2024-07-16"] == 3  # twice between its registrations, for_one_day over
    assert counted["2024-10-01"] == 3  # gap between its terms
    assert counted["2025-01-01"] == 4  # cancelled ended on 12-31
    assert counted["2026-03-01"] == 0


def test_a_write_is_seen_by_the_next_answer(app, client, admin, program):
    before = _totals(client, admin)
    assert _timeline_kept(app)
    renewed = program[0]
    regs = client.get(f"/api/v1/members/{renewed['id']}/suppliers", headers=admin).get_json()
    f.deregister(client, admin, renewed["id"], regs[0]["id"], "2024-12-31")
    after = _totals(client, admin)
    assert after["2024-12-31"] == before["2024-12-31"]
    assert after["2025-01-01"] == before["2025-01-01"] - 1
    assert after["2026-02-28"] == before["2026-02-28"] - 1


class _Spy:
    def __init__(self, real, calls: list) -> None:
        self.real, self.calls = real, calls

    def rows(self, conn, params):
        self.calls.append(params)
        return self.real.rows(conn, params)


def test_no_timeline_for_a_member_registered_twice_at_once(
    app, client, admin, program, monkeypatch
):
    """The sync may store two vendor records of one domain for one member: their spans
    overlap, and the member must still count once a day."""
    renewed = program[0]
    with app.app_context(), db.engine().begin() as conn:
        db.insert_many(
            conn,
            db.table(Registration),
            [{"member_id": renewed["id"], "domain": DOMAIN, "name": "second vendor record"}],
            {
                "registered_on": date(2024, 6, 1),
                "source": "sync",
                "created_at": datetime(2024, 6, 1, tzinfo=UTC),
                "updated_at": datetime(2024, 6, 1, tzinfo=UTC),
            },
        )
    update_settings(app, COVERAGE_COUNT_CACHE_ENTRIES=0)
    counted = _totals(client, admin)
    update_settings(app, COVERAGE_COUNT_CACHE_ENTRIES=10_000)
    assert _totals(client, admin) == counted
    assert not _timeline_kept(app)
    asked = []
    real = service._OVERLAPPING_REGISTRATIONS
    monkeypatch.setattr(service, "_OVERLAPPING_REGISTRATIONS", _Spy(real, asked))
    assert _totals(client, admin) == counted  # all kept by now: nothing asked
    for day in ("2024-04-02", "2024-04-03", "2024-04-04"):  # new days: counted, once asked
        r = client.get(f"/api/v1/coverage?domain={DOMAIN}&on={day}&page_size=1", headers=admin)
        assert r.get_json()["total"] == 3
    assert asked == []  # refused at this generation: never asked again
    assert counted["2024-07-07"] == 5  # renewed once, though registered twice that day
