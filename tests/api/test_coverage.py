"""GET /coverage and /members/{id}/coverage: rules C1, C2 and the limits in force (C3)."""

from __future__ import annotations

import json

import pytest

from tests import factories as f

SHARED = "shared-logistics.example.jp"


@pytest.fixture
def two_members(client, admin):
    """Two members whose terms differ, both registering the same supplier (C2)."""
    a = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    b = f.insured_member(client, admin, "2026-07-01", "2027-06-30")
    ra = f.registration(client, admin, a["id"], SHARED, "2026-05-15")
    rb = f.registration(client, admin, b["id"], "https://www." + SHARED.upper() + "/", "2026-01-01")
    return a, b, ra, rb


@pytest.mark.parametrize(
    ("on", "members"),
    [
        ("2026-05-14", []),  # a: registered the next day; b: term not begun
        ("2026-05-15", ["a"]),  # a: first day of registration, inside a's term
        ("2026-06-30", ["a"]),  # b's term starts tomorrow
        ("2026-07-01", ["a", "b"]),  # b registered before its term: from term start
        ("2027-03-31", ["a", "b"]),  # a's last term day (inclusive)
        ("2027-04-01", ["b"]),  # a's term over, no renewal
        ("2027-06-30", ["b"]),
        ("2027-07-01", []),
    ],
)
def test_supplier_under_two_members(client, admin, two_members, on, members):
    a, b, ra, rb = two_members
    ids = {"a": a["id"], "b": b["id"]}
    r = client.get(f"/api/v1/coverage?domain={SHARED}&on={on}", headers=admin)
    assert r.status_code == 200
    body = r.get_json()
    assert body["domain"] == SHARED and body["on"] == on
    assert body["covered"] is bool(members)
    assert [c["member_id"] for c in body["coverages"]] == [ids[m] for m in members]


def test_coverage_entry_fields(client, admin, two_members):
    a, b, ra, rb = two_members
    body = client.get(f"/api/v1/coverage?domain={SHARED}&on=2026-08-01", headers=admin).get_json()
    entry_a, entry_b = body["coverages"]
    assert entry_a == {
        "member_id": a["id"],
        "member_name": a["name"],
        "registration_id": ra["id"],
        "period_start": "2026-04-01",  # the member's coverage period: its term
        "period_end": "2027-03-31",
        "insured_from": "2026-05-15",  # the supplier's own span in it: from its registration
        "insured_to": "2027-03-31",
        "per_incident_limit": 3_000_000,
        "aggregate_limit": 10_000_000,
        "aggregate_remaining": 10_000_000,
    }
    assert entry_b["period_start"] == "2026-07-01" and entry_b["period_end"] == "2027-06-30"
    assert entry_b["insured_from"] == "2026-07-01" and entry_b["insured_to"] == "2027-06-30"
    assert body["total"] == 2


def test_coverage_period_ends_on_the_cancellations_last_day(client, admin, two_members):
    a, _b, ra, _rb = two_members
    f.deregister(client, admin, a["id"], ra["id"], "2026-12-31")
    r = client.post(
        f"/api/v1/members/{a['id']}/terms/{a['term']['id']}/cancel",
        json={"last_day": "2026-10-31"},
        headers=admin,
    )
    assert r.status_code == 200
    body = client.get(f"/api/v1/coverage?domain={SHARED}&on=2026-08-01", headers=admin).get_json()
    entry_a = body["coverages"][0]
    assert (entry_a["period_start"], entry_a["period_end"]) == ("2026-04-01", "2026-10-31")
    assert (entry_a["insured_from"], entry_a["insured_to"]) == ("2026-05-15", "2026-10-31")


def test_coverages_are_paged_and_counted_in_full(client, admin):
    members = [f.insured_member(client, admin) for _ in range(5)]
    for m in members:
        f.registration(client, admin, m["id"], SHARED, "2026-04-01")
    url = f"/api/v1/coverage?domain={SHARED}&on=2026-08-01"
    pages = []
    for page in (1, 2, 3, 4):
        r = client.get(f"{url}&page={page}&page_size=2", headers=admin)
        assert r.status_code == 200
        body = r.get_json()
        assert body["total"] == 5 and body["covered"] is True
        paging = json.loads(r.headers["X-Pagination"])
        assert paging["total"] == 5 and paging["page"] == page and paging["total_pages"] == 3
        pages.append([c["member_id"] for c in body["coverages"]])
    assert pages == [[m["id"] for m in members][i : i + 2] for i in (0, 2, 4, 6)]
    far = client.get(f"{url}&page=4611686018427387904&page_size=500", headers=admin)
    assert far.status_code == 200 and far.get_json()["coverages"] == []
    assert far.get_json()["total"] == 5


def test_member_token_sees_only_its_own_entries(client, admin, two_members, member_headers):
    a, b, _, _ = two_members
    body = client.get(
        f"/api/v1/coverage?domain={SHARED}&on=2026-08-01", headers=member_headers(b["id"])
    ).get_json()
    assert [c["member_id"] for c in body["coverages"]] == [b["id"]]


def test_member_coverage(client, admin, two_members):
    a, *_ = two_members
    body = client.get(f"/api/v1/members/{a['id']}/coverage?on=2026-05-15", headers=admin).get_json()
    assert body == {
        "member_id": a["id"],
        "on": "2026-05-15",
        "covered": True,
        "term_id": a["term"]["id"],
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "per_incident_limit": 3_000_000,
        "aggregate_limit": 10_000_000,
        "aggregate_paid": 0,
        "aggregate_remaining": 10_000_000,
        "suppliers_covered": 1,
    }
    before = client.get(
        f"/api/v1/members/{a['id']}/coverage?on=2026-03-31", headers=admin
    ).get_json()
    assert before["covered"] is False and before["period_start"] is None
    assert before["suppliers_covered"] == 0 and before["aggregate_remaining"] == 0


def test_hand_built_answer_matches_the_documented_schema(client, admin, two_members):
    """GET /coverage builds its JSON by hand for speed; it must equal the schema's dump."""
    from datetime import date

    from groupcover import db
    from groupcover.coverage.schemas import DomainCoverageSchema
    from groupcover.coverage.service import supplier_coverage

    body = client.get(f"/api/v1/coverage?domain={SHARED}&on=2026-08-01", headers=admin).get_json()
    with db.transaction(write=False) as session:
        entries = supplier_coverage(session.connection(), SHARED, date(2026, 8, 1))
        dumped = DomainCoverageSchema().dump(
            {
                "domain": SHARED,
                "on": date(2026, 8, 1),
                "covered": True,
                "total": 2,
                "coverages": entries,
            }
        )
    assert body == dumped
    assert len(body["coverages"]) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [("on=2026-08-01", "domain"), ("domain=a.example.jp&on=2026-13-01", "on")],
)
def test_malformed_coverage_query_is_a_400_like_any_other(client, admin, query, field):
    """GET /coverage reads its query by hand (web.Blueprint.query): same 400 as webargs'."""
    member = f.insured_member(client, admin)
    got = client.get(f"/api/v1/coverage?{query}", headers=admin)
    assert got.status_code == 400
    body = got.get_json()
    assert (body["field"], body["rule"]) == (field, "schema")
    assert list(body["errors"]) == [field]
    if field == "on":  # the same answer as an endpoint parsed by webargs
        other = client.get(
            f"/api/v1/members/{member['id']}/coverage?on=2026-13-01", headers=admin
        ).get_json()
        assert body["errors"] == other["errors"] and body["message"] == other["message"]


def test_a_members_own_answer_is_paged_like_any_other(client, admin, two_members, member_headers):
    a, _b, _, _ = two_members
    url = f"/api/v1/coverage?domain={SHARED}&on=2026-08-01&page_size=1"
    first = client.get(url, headers=member_headers(a["id"]))
    assert [c["member_id"] for c in first.get_json()["coverages"]] == [a["id"]]
    assert json.loads(first.headers["X-Pagination"])["total_pages"] == 1
    second = client.get(url + "&page=2", headers=member_headers(a["id"]))
    assert second.status_code == 200
    assert second.get_json()["coverages"] == [] and second.get_json()["total"] == 1
    assert second.get_json()["covered"] is True  # covered counts every entry, not this page's
    assert json.loads(second.headers["X-Pagination"])["page"] == 2
