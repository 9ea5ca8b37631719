"""GET /program (any token) and PATCH /program (administrators), time zone validated."""

from __future__ import annotations

import pytest

from tests import factories as f


def test_any_token_reads_the_program(client, admin, member_headers):
    m = f.member(client, admin)
    for headers in (admin, member_headers(m["id"])):
        r = client.get("/api/v1/program", headers=headers)
        assert r.status_code == 200
        body = r.get_json()
        assert body["timezone"] == "Asia/Tokyo"
        assert {"name", "policyholder", "insurer", "policy_number", "today"} <= body.keys()


def test_today_is_in_the_program_time_zone(client, admin, freeze):
    freeze("2026-03-31T15:30:00+00:00")  # already 1 April in Tokyo, still 31 March in London
    assert client.get("/api/v1/program", headers=admin).get_json()["today"] == "2026-04-01"
    client.patch("/api/v1/program", json={"timezone": "Europe/London"}, headers=admin)
    assert client.get("/api/v1/program", headers=admin).get_json()["today"] == "2026-03-31"


def test_patch_changes_only_what_it_names(client, admin):
    before = client.get("/api/v1/program", headers=admin).get_json()
    changes = {"policy_number": "GC-2026-001", "insurer": "損害保険ジャパン株式会社"}
    r = client.patch("/api/v1/program", json=changes, headers=admin)
    assert r.status_code == 200
    after = r.get_json()
    assert after["policy_number"] == "GC-2026-001"
    assert after["insurer"] == "損害保険ジャパン株式会社"
    assert after["name"] == before["name"] and after["policyholder"] == before["policyholder"]
    assert client.get("/api/v1/program", headers=admin).get_json()["insurer"] == after["insurer"]


@pytest.mark.parametrize(
    ("timezone", "status"),
    [
        ("Asia/Tokyo", 200),
        ("Europe/London", 200),
        ("UTC", 200),
        ("Mars/Olympus_Mons", 400),
        ("", 400),
        ("../../etc/passwd", 400),
        ("Asia/Tokyo ", 400),
    ],
)
def test_patch_timezone_must_be_iana(client, admin, timezone, status):
    r = client.patch("/api/v1/program", json={"timezone": timezone}, headers=admin)
    assert r.status_code == status, r.get_json()
    expected = timezone if status == 200 else "Asia/Tokyo"
    assert client.get("/api/v1/program", headers=admin).get_json()["timezone"] == expected
    if status == 400:
        assert r.get_json()["field"] == "timezone"


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": None},
        {"insurer": 42},
        {"policy_number": "x" * 101},
        {"today": "2026-01-01"},  # dump-only
        {"id": 7},  # dump-only
        {"unknown": "field"},
    ],
)
def test_patch_rejects_malformed_bodies(client, admin, body):
    r = client.patch("/api/v1/program", json=body, headers=admin)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == next(iter(body))


def test_member_cannot_patch(client, admin, member_headers):
    m = f.member(client, admin)
    r = client.patch("/api/v1/program", json={"name": "mine"}, headers=member_headers(m["id"]))
    assert r.status_code == 403
    assert client.get("/api/v1/program", headers=admin).get_json()["name"] != "mine"
