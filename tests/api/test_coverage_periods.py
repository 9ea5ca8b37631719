"""GET /coverage at the edges of C1 and C2: for each day, which members insure the supplier
and the coverage period of each entry (month ends, 29 February, registration before the term,
deregistration after it, cancellation, two members, renewal the day after)."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories as f

SUPPLIER = "parts.example.jp"


def _leap_day(client, admin):
    """A February term in a leap year; the supplier registered on 29 February."""
    m = f.insured_member(client, admin, "2028-02-01", "2028-02-29")
    f.registration(client, admin, m["id"], SUPPLIER, "2028-02-29")
    return {"m": m}


def _month_ends(client, admin):
    """A term from 31 January to 30 April; registered 31 January, deregistered 31 March."""
    m = f.insured_member(client, admin, "2027-01-31", "2027-04-30")
    reg = f.registration(client, admin, m["id"], SUPPLIER, "2027-01-31")
    f.deregister(client, admin, m["id"], reg["id"], "2027-03-31")
    return {"m": m}


def _non_leap_february(client, admin):
    """A term ending 28 February in a year without 29 February."""
    m = f.insured_member(client, admin, "2026-04-01", "2027-02-28")
    f.registration(client, admin, m["id"], SUPPLIER, "2026-01-15")
    return {"m": m}


def _registered_before_term(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    f.registration(client, admin, m["id"], SUPPLIER, "2025-10-01")
    return {"m": m}


def _deregistered_after_term(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2026-09-30")
    reg = f.registration(client, admin, m["id"], SUPPLIER, "2026-05-01")
    f.deregister(client, admin, m["id"], reg["id"], "2026-12-31")
    return {"m": m}


def _deregistered_inside_term(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    reg = f.registration(client, admin, m["id"], SUPPLIER, "2026-05-01")
    f.deregister(client, admin, m["id"], reg["id"], "2026-08-15")
    return {"m": m}


def _cancelled_term(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    f.registration(client, admin, m["id"], SUPPLIER, "2026-04-15")
    r = client.post(
        f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel",
        json={"last_day": "2026-08-31"},
        headers=admin,
    )
    assert r.status_code == 200
    return {"m": m}


def _two_members(client, admin):
    a = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    b = f.insured_member(client, admin, "2026-10-01", "2027-09-30")
    f.registration(client, admin, a["id"], SUPPLIER, "2026-06-01")
    reg_b = f.registration(client, admin, b["id"], "www." + SUPPLIER, "2026-01-01")
    f.deregister(client, admin, b["id"], reg_b["id"], "2027-05-31")
    return {"a": a, "b": b}


def _renewal(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    f.term(client, admin, m["id"], "2027-04-01", "2028-03-31")
    f.registration(client, admin, m["id"], SUPPLIER, "2026-06-01")
    return {"m": m}


def _reregistered_after_gap(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    reg = f.registration(client, admin, m["id"], SUPPLIER, "2026-04-01")
    f.deregister(client, admin, m["id"], reg["id"], "2026-05-31")
    f.registration(client, admin, m["id"], SUPPLIER, "2026-07-01")
    return {"m": m}


SCENARIOS = {
    "leap_day": _leap_day,
    "month_ends": _month_ends,
    "non_leap_february": _non_leap_february,
    "registered_before_term": _registered_before_term,
    "deregistered_after_term": _deregistered_after_term,
    "deregistered_inside_term": _deregistered_inside_term,
    "cancelled_term": _cancelled_term,
    "two_members": _two_members,
    "renewal": _renewal,
    "reregistered_after_gap": _reregistered_after_gap,
}

CASES = [
    # scenario, on, [(member, period_start, period_end)]
    ("leap_day", "2028-02-28", []),
    ("leap_day", "2028-02-29", [("m", "2028-02-29", "2028-02-29")]),
    ("leap_day", "2028-03-01", []),
    ("month_ends", "2027-01-30", []),
    ("month_ends", "2027-01-31", [("m", "2027-01-31", "2027-03-31")]),
    ("month_ends", "2027-02-28", [("m", "2027-01-31", "2027-03-31")]),
    ("month_ends", "2027-03-31", [("m", "2027-01-31", "2027-03-31")]),
    ("month_ends", "2027-04-01", []),  # deregistered; the term still runs
    ("non_leap_february", "2027-02-28", [("m", "2026-04-01", "2027-02-28")]),
    ("non_leap_february", "2027-03-01", []),
    ("registered_before_term", "2026-03-31", []),  # registered, but no term yet
    ("registered_before_term", "2026-04-01", [("m", "2026-04-01", "2027-03-31")]),
    ("registered_before_term", "2027-03-31", [("m", "2026-04-01", "2027-03-31")]),
    ("registered_before_term", "2027-04-01", []),
    ("deregistered_after_term", "2026-04-30", []),
    ("deregistered_after_term", "2026-05-01", [("m", "2026-05-01", "2026-09-30")]),
    ("deregistered_after_term", "2026-09-30", [("m", "2026-05-01", "2026-09-30")]),
    ("deregistered_after_term", "2026-10-01", []),  # still registered, term over
    ("deregistered_inside_term", "2026-08-15", [("m", "2026-05-01", "2026-08-15")]),
    ("deregistered_inside_term", "2026-08-16", []),
    ("cancelled_term", "2026-04-14", []),
    ("cancelled_term", "2026-04-15", [("m", "2026-04-15", "2026-08-31")]),
    ("cancelled_term", "2026-08-31", [("m", "2026-04-15", "2026-08-31")]),
    ("cancelled_term", "2026-09-01", []),  # after last_day, before the old end_date
    ("two_members", "2026-05-31", []),
    ("two_members", "2026-06-01", [("a", "2026-06-01", "2027-03-31")]),
    (
        "two_members",
        "2026-10-01",
        [("a", "2026-06-01", "2027-03-31"), ("b", "2026-10-01", "2027-05-31")],
    ),
    (
        "two_members",
        "2027-03-31",
        [("a", "2026-06-01", "2027-03-31"), ("b", "2026-10-01", "2027-05-31")],
    ),
    ("two_members", "2027-04-01", [("b", "2026-10-01", "2027-05-31")]),
    ("two_members", "2027-05-31", [("b", "2026-10-01", "2027-05-31")]),
    ("two_members", "2027-06-01", []),  # b's term runs, registration over
    ("renewal", "2027-03-31", [("m", "2026-06-01", "2027-03-31")]),
    ("renewal", "2027-04-01", [("m", "2027-04-01", "2028-03-31")]),  # a new coverage period
    ("renewal", "2028-03-31", [("m", "2027-04-01", "2028-03-31")]),
    ("renewal", "2028-04-01", []),
    ("reregistered_after_gap", "2026-05-31", [("m", "2026-04-01", "2026-05-31")]),
    ("reregistered_after_gap", "2026-06-15", []),
    ("reregistered_after_gap", "2026-07-01", [("m", "2026-07-01", "2027-03-31")]),
]


@pytest.mark.parametrize(
    ("scenario", "on", "expected"), CASES, ids=[f"{s}-{on}" for s, on, _ in CASES]
)
def test_coverage_entries(client, admin, scenario, on, expected):
    members = SCENARIOS[scenario](client, admin)
    r = client.get(f"/api/v1/coverage?domain={SUPPLIER}&on={on}", headers=admin)
    assert r.status_code == 200
    body = r.get_json()
    assert (body["domain"], body["on"], body["covered"]) == (SUPPLIER, on, bool(expected))
    got = [  # the supplier's own insured span (period_* is the member's term: API.md)
        (c["member_id"], c["member_name"], c["insured_from"], c["insured_to"])
        for c in body["coverages"]
    ]
    assert got == [(members[k]["id"], members[k]["name"], start, end) for k, start, end in expected]


def test_entry_names_the_registration_counting_that_day(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    old = f.registration(client, admin, m["id"], SUPPLIER, "2026-04-01")
    f.deregister(client, admin, m["id"], old["id"], "2026-05-31")
    new = f.registration(client, admin, m["id"], SUPPLIER, "2026-06-01")
    for on, reg in (("2026-05-31", old), ("2026-06-01", new)):
        body = client.get(f"/api/v1/coverage?domain={SUPPLIER}&on={on}", headers=admin).get_json()
        assert [c["registration_id"] for c in body["coverages"]] == [reg["id"]]


def test_other_domains_are_not_covered(client, admin):
    m = f.insured_member(client, admin)
    f.registration(client, admin, m["id"], SUPPLIER, "2026-04-01")
    for other in ("sub.parts.example.jp", "parts.example.com", "arts.example.jp"):
        body = client.get(
            f"/api/v1/coverage?domain={other}&on=2026-06-01", headers=admin
        ).get_json()
        assert body["covered"] is False and body["coverages"] == []


def test_query_domain_is_normalised(client, admin):
    m = f.insured_member(client, admin)
    f.registration(client, admin, m["id"], SUPPLIER, "2026-04-01")
    r = client.get(
        "/api/v1/coverage?domain=https://WWW.Parts.Example.JP/x&on=2026-06-01", headers=admin
    )
    assert r.get_json()["domain"] == SUPPLIER and r.get_json()["covered"] is True


def test_on_defaults_to_today_in_program_time_zone(client, admin, freeze):
    m = f.insured_member(client, admin, "2026-04-01", "2026-04-30")
    f.registration(client, admin, m["id"], SUPPLIER, "2026-04-01")
    freeze("2026-04-30T15:00:00+00:00")  # already 1 May in Tokyo
    body = client.get(f"/api/v1/coverage?domain={SUPPLIER}", headers=admin).get_json()
    assert body["on"] == "2026-05-01" and body["covered"] is False
    freeze("2026-04-30T14:59:59+00:00")
    body = client.get(f"/api/v1/coverage?domain={SUPPLIER}", headers=admin).get_json()
    assert body["on"] == "2026-04-30" and body["covered"] is True


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),  # domain missing
        (f"?domain={SUPPLIER}&on=2026-02-30", 400),
        (f"?domain={SUPPLIER}&on=tomorrow", 400),
        ("?domain=localhost&on=2026-06-01", 422),
        ("?domain=&on=2026-06-01", 422),
    ],
)
def test_coverage_rejects_bad_queries(client, admin, query, status):
    r = client.get(f"/api/v1/coverage{query}", headers=admin)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["field"] in {"domain", "on"}


@pytest.mark.parametrize(
    ("on", "covered", "period", "suppliers"),
    [
        ("2026-03-31", False, (None, None), 0),
        ("2026-04-01", True, ("2026-04-01", "2026-08-31"), 1),
        ("2026-08-31", True, ("2026-04-01", "2026-08-31"), 2),
        ("2026-09-01", False, (None, None), 0),  # cancelled after 31 August
        ("2027-04-01", True, ("2027-04-01", "2028-03-31"), 2),  # the renewal
    ],
)
def test_member_coverage_period(client, admin, on, covered, period, suppliers):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    renewal = f.term(client, admin, m["id"], "2027-04-01", "2028-03-31")
    client.post(
        f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel",
        json={"last_day": "2026-08-31"},
        headers=admin,
    )
    f.registration(client, admin, m["id"], "a.example.jp", "2026-04-01")
    f.registration(client, admin, m["id"], "b.example.jp", "2026-08-31")
    body = client.get(f"/api/v1/members/{m['id']}/coverage?on={on}", headers=admin).get_json()
    assert body["covered"] is covered and body["on"] == on
    assert (body["period_start"], body["period_end"]) == period
    assert body["suppliers_covered"] == suppliers
    if covered:
        expected_term = renewal["id"] if on >= "2027-04-01" else m["term"]["id"]
        assert body["term_id"] == expected_term
        assert body["aggregate_remaining"] == 10_000_000


def test_member_coverage_rejects_bad_date_and_unknown_member(client, admin):
    m = f.insured_member(client, admin)
    assert (
        client.get(f"/api/v1/members/{m['id']}/coverage?on=2026-13-01", headers=admin).status_code
        == 400
    )
    assert (
        client.get("/api/v1/members/999999/coverage?on=2026-06-01", headers=admin).status_code
        == 404
    )


def test_coverage_terms_list(client, admin, member_headers):
    m = f.member(client, admin)
    for headers in (admin, member_headers(m["id"])):
        r = client.get("/api/v1/coverage-terms", headers=headers)
        assert r.status_code == 200
        [version] = r.get_json()
        assert version["per_incident_limit"] == 3_000_000
        assert version["aggregate_limit"] == 10_000_000
        assert "X-Pagination" in r.headers


@pytest.mark.parametrize(
    ("on", "limits"),
    [
        ("1999-12-31", (3_000_000, 10_000_000)),  # before the first version: the first applies
        ("2026-12-31", (3_000_000, 10_000_000)),
        ("2027-01-01", (2_000_000, 8_000_000)),  # the new version's first day
        ("2027-03-31", (2_000_000, 8_000_000)),
    ],
)
def test_limits_are_those_of_the_version_in_force(app, client, admin, on, limits):
    from groupcover import db
    from groupcover.coverage_terms.models import CoverageTerms

    m = f.insured_member(client, admin, "1999-04-01", "2000-03-31")
    f.term(client, admin, m["id"], "2026-04-01", "2027-03-31")
    f.registration(client, admin, m["id"], SUPPLIER, "1999-04-01")
    with app.app_context(), db.transaction() as s:
        s.add(
            CoverageTerms(
                effective_date=date(2027, 1, 1),
                per_incident_limit=2_000_000,
                aggregate_limit=8_000_000,
                summary_ja="変更",
                summary_en="changed",
            )
        )
    [entry] = client.get(f"/api/v1/coverage?domain={SUPPLIER}&on={on}", headers=admin).get_json()[
        "coverages"
    ]
    assert (entry["per_incident_limit"], entry["aggregate_limit"]) == limits
    assert entry["aggregate_remaining"] == limits[1]
    own = client.get(f"/api/v1/members/{m['id']}/coverage?on={on}", headers=admin).get_json()
    assert (own["per_incident_limit"], own["aggregate_limit"]) == limits
