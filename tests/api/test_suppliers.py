"""Registered suppliers: domain normalisation, one active registration per domain and member,
spans that never overlap, the active_on filter at both ends, and deregistration."""

from __future__ import annotations

import json

import pytest

from tests import factories as f


def _post(client, admin, member_id, domain, registered_on, **extra):
    body = {"domain": domain, "name": "Supplier", "registered_on": registered_on, **extra}
    return client.post(f"/api/v1/members/{member_id}/suppliers", json=body, headers=admin)


def _list(client, admin, member_id, query=""):
    r = client.get(f"/api/v1/members/{member_id}/suppliers{query}", headers=admin)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_register_returns_the_registration(client, admin):
    m = f.member(client, admin)
    r = _post(client, admin, m["id"], "parts.example.jp", "2026-04-01", vendor_supplier_id="s-1")
    assert r.status_code == 201
    reg = r.get_json()
    assert {
        k: reg[k]
        for k in (
            "domain",
            "name",
            "vendor_supplier_id",
            "registered_on",
            "deregistered_on",
            "source",
            "member_id",
        )
    } == {
        "domain": "parts.example.jp",
        "name": "Supplier",
        "vendor_supplier_id": "s-1",
        "registered_on": "2026-04-01",
        "deregistered_on": None,
        "source": "manual",
        "member_id": m["id"],
    }
    assert (
        client.get(f"/api/v1/members/{m['id']}/suppliers/{reg['id']}", headers=admin).get_json()
        == reg
    )
    assert _list(client, admin, m["id"]) == [reg]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("example.co.jp", "example.co.jp"),
        ("Example.CO.JP", "example.co.jp"),
        ("www.example.co.jp", "example.co.jp"),
        ("https://www.Example.co.jp/login?x=1", "example.co.jp"),
        ("http://example.co.jp:8443/", "example.co.jp"),
        ("  example.co.jp.  ", "example.co.jp"),
        ("WWW.EXAMPLE.COM", "example.com"),
        ("shop.example.com", "shop.example.com"),  # other subdomains are kept
        ("wwwexample.com", "wwwexample.com"),
        ("例え.jp", "xn--r8jz45g.jp"),  # IDN to its ASCII form
    ],
)
def test_domain_is_normalised(client, admin, given, stored):
    m = f.member(client, admin)
    r = _post(client, admin, m["id"], given, "2026-04-01")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["domain"] == stored


@pytest.mark.parametrize(
    "domain", ["localhost", "not a domain", "-bad-.jp", "a..jp", "https://", "x" * 64 + ".jp"]
)
def test_invalid_domain_is_422(client, admin, domain):
    m = f.member(client, admin)
    r = _post(client, admin, m["id"], domain, "2026-04-01")
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["field"] == "domain" and r.get_json()["rule"] == "domain_name"
    assert _list(client, admin, m["id"]) == []


@pytest.mark.parametrize("spelling", ["parts.example.jp", "https://www.PARTS.example.jp/"])
def test_duplicate_active_registration_is_409(client, admin, spelling):
    m = f.member(client, admin)
    first = f.registration(client, admin, m["id"], "parts.example.jp", "2026-04-01")
    r = _post(client, admin, m["id"], spelling, "2027-01-01")
    assert r.status_code == 409
    body = r.get_json()
    assert body["rule"] == "registration_active" and body["registration_id"] == first["id"]
    assert len(_list(client, admin, m["id"])) == 1


def test_same_domain_under_another_member_is_fine(client, admin):
    a, b = f.member(client, admin), f.member(client, admin)
    f.registration(client, admin, a["id"], "parts.example.jp", "2026-04-01")
    assert _post(client, admin, b["id"], "parts.example.jp", "2026-04-01").status_code == 201


@pytest.mark.parametrize(
    ("registered_on", "status"),
    [
        ("2026-04-01", 409),  # same first day as the ended registration
        ("2026-05-01", 409),  # inside the ended span
        ("2026-06-30", 409),  # its last (inclusive) day
        ("2026-03-01", 409),  # before it, and so running through it
        ("2026-07-01", 201),  # the day after it ended
        ("2027-01-01", 201),
    ],
)
def test_reregistration_may_not_overlap_an_ended_one(client, admin, registered_on, status):
    m = f.member(client, admin)
    old = f.registration(client, admin, m["id"], "parts.example.jp", "2026-04-01")
    f.deregister(client, admin, m["id"], old["id"], "2026-06-30")
    r = _post(client, admin, m["id"], "parts.example.jp", registered_on)
    assert r.status_code == status, r.get_json()
    if status == 409:
        assert r.get_json()["rule"] == "registration_overlap"
        assert r.get_json()["registration_id"] == old["id"]


@pytest.mark.parametrize(
    ("active_on", "expected"),
    [
        ("2026-03-31", []),
        ("2026-04-01", ["old"]),  # first day counts
        ("2026-06-30", ["old", "open"]),  # old's last day counts; open starts
        ("2026-07-01", ["open", "short"]),  # old no longer counts
        ("2026-07-02", ["open", "short"]),  # short's last day counts
        ("2026-07-03", ["open"]),
        ("2099-12-31", ["open"]),  # an active registration runs on
    ],
)
def test_active_on_filter_counts_both_ends(client, admin, active_on, expected):
    m = f.member(client, admin)
    regs = {
        "old": f.registration(client, admin, m["id"], "old.example.jp", "2026-04-01"),
        "open": f.registration(client, admin, m["id"], "open.example.jp", "2026-06-30"),
        "short": f.registration(client, admin, m["id"], "short.example.jp", "2026-07-01"),
    }
    f.deregister(client, admin, m["id"], regs["old"]["id"], "2026-06-30")
    f.deregister(client, admin, m["id"], regs["short"]["id"], "2026-07-02")
    got = _list(client, admin, m["id"], f"?active_on={active_on}")
    assert [r["id"] for r in got] == [regs[k]["id"] for k in expected]
    assert len(_list(client, admin, m["id"])) == 3


def test_list_paginates_and_filters_by_domain(client, admin):
    m = f.member(client, admin)
    regs = [
        f.registration(client, admin, m["id"], f"s{i}.example.jp", "2026-04-01") for i in range(3)
    ]
    r = client.get(f"/api/v1/members/{m['id']}/suppliers?page=2&page_size=2", headers=admin)
    assert [x["id"] for x in r.get_json()] == [regs[2]["id"]]
    assert json.loads(r.headers["X-Pagination"])["total"] == 3
    got = _list(client, admin, m["id"], "?domain=https://WWW.S1.example.jp")
    assert [x["id"] for x in got] == [regs[1]["id"]]


@pytest.mark.parametrize(
    "query", ["?active_on=yesterday", "?active_on=2026-02-30", "?page_size=501"]
)
def test_list_rejects_malformed_queries(client, admin, query):
    m = f.member(client, admin)
    r = client.get(f"/api/v1/members/{m['id']}/suppliers{query}", headers=admin)
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("last_day", "status"),
    [
        ("2026-03-31", 422),  # before registered_on
        ("2026-04-01", 200),  # the same day: counted one day
        ("2026-12-31", 200),
    ],
)
def test_deregister_with_last_day(client, admin, last_day, status):
    m = f.member(client, admin)
    reg = f.registration(client, admin, m["id"], "parts.example.jp", "2026-04-01")
    r = client.delete(
        f"/api/v1/members/{m['id']}/suppliers/{reg['id']}?last_day={last_day}", headers=admin
    )
    assert r.status_code == status, r.get_json()
    now = client.get(f"/api/v1/members/{m['id']}/suppliers/{reg['id']}", headers=admin).get_json()
    if status == 200:
        assert r.get_json()["deregistered_on"] == last_day == now["deregistered_on"]
    else:
        assert r.get_json()["rule"] == "last_day_not_before_registered_on"
        assert now["deregistered_on"] is None


def test_deregister_twice_is_409(client, admin):
    m = f.member(client, admin)
    reg = f.registration(client, admin, m["id"], "parts.example.jp", "2026-04-01")
    f.deregister(client, admin, m["id"], reg["id"], "2026-06-30")
    r = client.delete(
        f"/api/v1/members/{m['id']}/suppliers/{reg['id']}?last_day=2026-07-31", headers=admin
    )
    assert r.status_code == 409 and r.get_json()["rule"] == "registration_already_ended"
    now = client.get(f"/api/v1/members/{m['id']}/suppliers/{reg['id']}", headers=admin).get_json()
    assert now["deregistered_on"] == "2026-06-30"


def test_deregister_defaults_to_today_in_program_time_zone(client, admin, freeze):
    freeze("2026-06-30T15:00:00+00:00")  # 1 July in Tokyo
    m = f.member(client, admin)
    reg = f.registration(client, admin, m["id"], "parts.example.jp", "2026-04-01")
    r = client.delete(f"/api/v1/members/{m['id']}/suppliers/{reg['id']}", headers=admin)
    assert r.status_code == 200 and r.get_json()["deregistered_on"] == "2026-07-01"


def test_registration_of_another_member_is_404(client, admin):
    a, b = f.member(client, admin), f.member(client, admin)
    reg = f.registration(client, admin, b["id"], "parts.example.jp", "2026-04-01")
    url = f"/api/v1/members/{a['id']}/suppliers/{reg['id']}"
    assert client.get(url, headers=admin).status_code == 404
    assert client.delete(url + "?last_day=2026-06-30", headers=admin).status_code == 404
    assert (
        client.get(f"/api/v1/members/{b['id']}/suppliers/{reg['id']}", headers=admin).get_json()[
            "deregistered_on"
        ]
        is None
    )


def test_unknown_member_or_registration_is_404(client, admin):
    m = f.member(client, admin)
    assert (
        client.get(f"/api/v1/members/{m['id']}/suppliers/999999", headers=admin).status_code == 404
    )
    assert client.get("/api/v1/members/999999/suppliers", headers=admin).status_code == 404
    assert _post(client, admin, 999999, "parts.example.jp", "2026-04-01").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "registered_on": "2026-04-01"},
        {"domain": "a.jp", "registered_on": "2026-04-01"},
        {"domain": "a.jp", "name": "x"},
        {"domain": "a.jp", "name": "x", "registered_on": "01/04/2026"},
        {"domain": 5, "name": "x", "registered_on": "2026-04-01"},
        {"domain": "a.jp", "name": "x", "registered_on": "2026-04-01", "source": "sync"},
        {
            "domain": "a.jp",
            "name": "x",
            "registered_on": "2026-04-01",
            "deregistered_on": "2026-05-01",
        },
    ],
)
def test_register_rejects_malformed_bodies(client, admin, body):
    m = f.member(client, admin)
    r = client.post(f"/api/v1/members/{m['id']}/suppliers", json=body, headers=admin)
    assert r.status_code == 400, r.get_json()
