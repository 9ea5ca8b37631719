"""Subscription terms: inclusive days, end before start, overlap (touching days too), renewal
the day after, cancellation inside and outside the term, another member's term."""

from __future__ import annotations

import json

import pytest

from tests import factories as f


def _post(client, admin, member_id, start, end):
    return client.post(
        f"/api/v1/members/{member_id}/terms",
        json={"start_date": start, "end_date": end},
        headers=admin,
    )


def test_create_and_list(client, admin):
    m = f.member(client, admin)
    r = _post(client, admin, m["id"], "2026-04-01", "2027-03-31")
    assert r.status_code == 201
    term = r.get_json()
    assert term["member_id"] == m["id"]
    assert (term["start_date"], term["end_date"]) == ("2026-04-01", "2027-03-31")
    assert (term["period_start"], term["period_end"]) == ("2026-04-01", "2027-03-31")
    assert term["cancelled"] is False and term["last_day"] is None
    listed = client.get(f"/api/v1/members/{m['id']}/terms", headers=admin)
    assert listed.status_code == 200 and listed.get_json() == [term]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1


def test_list_is_oldest_first_and_paginated(client, admin):
    m = f.member(client, admin)
    later = f.term(client, admin, m["id"], "2028-04-01", "2029-03-31")
    earlier = f.term(client, admin, m["id"], "2026-04-01", "2027-03-31")
    middle = f.term(client, admin, m["id"], "2027-04-01", "2028-03-31")
    r = client.get(f"/api/v1/members/{m['id']}/terms?page_size=2", headers=admin)
    assert [t["id"] for t in r.get_json()] == [earlier["id"], middle["id"]]
    assert json.loads(r.headers["X-Pagination"])["total"] == 3
    r2 = client.get(f"/api/v1/members/{m['id']}/terms?page=2&page_size=2", headers=admin)
    assert [t["id"] for t in r2.get_json()] == [later["id"]]


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("2026-04-01", "2026-04-01", 201),  # one day: both ends inclusive
        ("2028-02-29", "2028-02-29", 201),  # leap day
        ("2026-04-02", "2026-04-01", 422),  # end one day before start
        ("2027-01-01", "2026-12-31", 422),
    ],
)
def test_end_before_start(client, admin, start, end, status):
    m = f.member(client, admin)
    r = _post(client, admin, m["id"], start, end)
    assert r.status_code == status, r.get_json()
    if status == 422:
        assert r.get_json()["field"] == "end_date"
        assert r.get_json()["rule"] == "end_date_not_before_start_date"


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("2026-04-01", "2027-03-31", 409),  # identical
        ("2025-04-01", "2026-04-01", 409),  # touches: ends on the existing first day
        ("2027-03-31", "2028-03-30", 409),  # touches: starts on the existing last day
        ("2026-06-01", "2026-06-30", 409),  # inside
        ("2025-01-01", "2028-01-01", 409),  # around
        ("2025-04-01", "2026-03-31", 201),  # adjacent: ends the day before
        ("2027-04-01", "2028-03-31", 201),  # renewal: starts the day after
        ("2028-04-01", "2029-03-31", 201),  # a gap is fine
    ],
)
def test_overlap_with_existing_term(client, admin, start, end, status):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    r = _post(client, admin, m["id"], start, end)
    assert r.status_code == status, r.get_json()
    if status == 409:
        body = r.get_json()
        assert body["rule"] == "terms_overlap" and body["term_id"] == m["term"]["id"]
    count = len(client.get(f"/api/v1/members/{m['id']}/terms", headers=admin).get_json())
    assert count == (2 if status == 201 else 1)


def test_other_members_terms_do_not_overlap(client, admin):
    f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    other = f.member(client, admin)
    assert _post(client, admin, other["id"], "2026-04-01", "2027-03-31").status_code == 201


def test_cancelled_term_frees_the_days_after_last_day(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    client.post(
        f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel",
        json={"last_day": "2026-09-30"},
        headers=admin,
    )
    assert _post(client, admin, m["id"], "2026-09-30", "2027-09-30").status_code == 409
    assert _post(client, admin, m["id"], "2026-10-01", "2027-09-30").status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"start_date": "2026-04-01"},
        {"end_date": "2026-04-01"},
        {"start_date": "2026-02-30", "end_date": "2026-03-31"},  # no such day
        {"start_date": "2026/04/01", "end_date": "2027-03-31"},
        {"start_date": 20260401, "end_date": "2027-03-31"},
        {"start_date": "2026-04-01", "end_date": "2027-03-31", "member_id": 2},
        {"start_date": "2026-04-01", "end_date": "2027-03-31", "aggregate_paid": 5},
    ],
)
def test_create_rejects_malformed_bodies(client, admin, body):
    m = f.member(client, admin)
    r = client.post(f"/api/v1/members/{m['id']}/terms", json=body, headers=admin)
    assert r.status_code == 400, r.get_json()


def test_terms_of_unknown_member_are_404(client, admin):
    assert _post(client, admin, 999999, "2026-04-01", "2027-03-31").status_code == 404
    assert client.get("/api/v1/members/999999/terms", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("last_day", "status"),
    [
        ("2026-04-01", 200),  # the first day: covered that one day only
        ("2026-09-30", 200),
        ("2027-03-31", 200),  # the last day: no change in coverage, but allowed
        ("2026-03-31", 422),  # the day before the term
        ("2027-04-01", 422),  # the day after
    ],
)
def test_cancel_last_day_inside_the_term(client, admin, last_day, status):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    r = client.post(
        f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel",
        json={"last_day": last_day},
        headers=admin,
    )
    assert r.status_code == status, r.get_json()
    listed = client.get(f"/api/v1/members/{m['id']}/terms", headers=admin).get_json()[0]
    if status == 200:
        body = r.get_json()
        assert body["last_day"] == last_day and body["cancelled"] is True
        assert body["period_start"] == "2026-04-01" and body["period_end"] == last_day
        assert body["end_date"] == "2027-03-31"  # the contract's end stays on record
        assert listed == body
    else:
        assert r.get_json()["field"] == "last_day"
        assert r.get_json()["rule"] == "last_day_inside_term"
        assert listed["last_day"] is None


def test_cancel_again_only_shortens_within_the_remaining_period(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    url = f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel"
    assert client.post(url, json={"last_day": "2026-09-30"}, headers=admin).status_code == 200
    assert client.post(url, json={"last_day": "2026-10-31"}, headers=admin).status_code == 422
    r = client.post(url, json={"last_day": "2026-06-30"}, headers=admin)
    assert r.status_code == 200 and r.get_json()["period_end"] == "2026-06-30"


def test_cancel_of_another_members_term_is_404(client, admin):
    a = f.insured_member(client, admin)
    b = f.insured_member(client, admin)
    r = client.post(
        f"/api/v1/members/{a['id']}/terms/{b['term']['id']}/cancel",
        json={"last_day": "2026-09-30"},
        headers=admin,
    )
    assert r.status_code == 404
    terms = client.get(f"/api/v1/members/{b['id']}/terms", headers=admin).get_json()
    assert terms[0]["last_day"] is None


def test_cancel_unknown_term_or_member_is_404(client, admin):
    m = f.insured_member(client, admin)
    assert (
        client.post(
            f"/api/v1/members/{m['id']}/terms/999999/cancel",
            json={"last_day": "2026-09-30"},
            headers=admin,
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/members/999999/terms/{m['term']['id']}/cancel",
            json={"last_day": "2026-09-30"},
            headers=admin,
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"last_day": "2026-13-01"}, {"last_day": None}, {"last_day": "2026-09-30", "reason": "x"}],
)
def test_cancel_rejects_malformed_bodies(client, admin, body):
    m = f.insured_member(client, admin)
    r = client.post(
        f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel", json=body, headers=admin
    )
    assert r.status_code == 400
