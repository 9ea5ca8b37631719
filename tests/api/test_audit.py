"""The audit trail: every write leaves one entry naming who, what, when, before and after; a
refused write leaves none; only administrators read it."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests import factories as f


def _member(client, admin):
    return f.member(client, admin, name="Audit K.K.", vendor_account_id="acct-1")


def _write_program(client, admin, ctx):
    r = client.patch("/api/v1/program", json={"policy_number": "GC-1"}, headers=admin)
    return r, r.get_json()["id"]


def _write_member_create(client, admin, ctx):
    r = client.post(
        "/api/v1/members", json={"name": "Audit K.K.", "contact_email": "a@b.jp"}, headers=admin
    )
    return r, r.get_json()["id"]


def _write_member_update(client, admin, ctx):
    m = _member(client, admin)
    r = client.patch(f"/api/v1/members/{m['id']}", json={"name": "Renamed K.K."}, headers=admin)
    return r, m["id"]


def _write_credential(client, admin, ctx):
    m = _member(client, admin)
    r = client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": "s3cret"}, headers=admin
    )
    return r, m["id"]


def _write_term_create(client, admin, ctx):
    m = _member(client, admin)
    r = client.post(
        f"/api/v1/members/{m['id']}/terms",
        json={"start_date": "2026-04-01", "end_date": "2027-03-31"},
        headers=admin,
    )
    return r, r.get_json()["id"]


def _write_term_cancel(client, admin, ctx):
    m = f.insured_member(client, admin)
    r = client.post(
        f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel",
        json={"last_day": "2026-09-30"},
        headers=admin,
    )
    return r, m["term"]["id"]


def _write_registration(client, admin, ctx):
    m = _member(client, admin)
    r = client.post(
        f"/api/v1/members/{m['id']}/suppliers",
        json={"domain": "www.Parts.example.jp", "name": "Parts", "registered_on": "2026-04-01"},
        headers=admin,
    )
    return r, r.get_json()["id"]


def _write_deregistration(client, admin, ctx):
    m = _member(client, admin)
    reg = f.registration(client, admin, m["id"], "parts.example.jp", "2026-04-01")
    r = client.delete(
        f"/api/v1/members/{m['id']}/suppliers/{reg['id']}?last_day=2026-06-30", headers=admin
    )
    return r, reg["id"]


def _write_token_create(client, admin, ctx):
    r = client.post("/api/v1/tokens", json={"name": "ops", "role": "admin"}, headers=admin)
    ctx["secret"] = r.get_json()["token"]
    return r, r.get_json()["id"]


def _write_token_revoke(client, admin, ctx):
    t = client.post(
        "/api/v1/tokens", json={"name": "ops", "role": "admin"}, headers=admin
    ).get_json()
    return client.delete(f"/api/v1/tokens/{t['id']}", headers=admin), t["id"]


WRITES = [
    # write, action, entity, expected subset of before, expected subset of after
    (
        _write_program,
        "program.update",
        "program",
        {"policy_number": None},
        {"policy_number": "GC-1", "timezone": "Asia/Tokyo"},
    ),
    (
        _write_member_create,
        "member.create",
        "member",
        None,
        {"name": "Audit K.K.", "contact_email": "a@b.jp"},
    ),
    (
        _write_member_update,
        "member.update",
        "member",
        {"name": "Audit K.K."},
        {"name": "Renamed K.K.", "vendor_account_id": "acct-1"},
    ),
    (
        _write_credential,
        "member.vendor_credential.set",
        "member",
        {"has_vendor_credential": False},
        {"has_vendor_credential": True},
    ),
    (
        _write_term_create,
        "term.create",
        "term",
        None,
        {"start_date": "2026-04-01", "end_date": "2027-03-31", "last_day": None},
    ),
    (
        _write_term_cancel,
        "term.cancel",
        "term",
        {"last_day": None},
        {"last_day": "2026-09-30", "end_date": "2027-03-31"},
    ),
    (
        _write_registration,
        "registration.create",
        "registration",
        None,
        {"domain": "parts.example.jp", "registered_on": "2026-04-01", "source": "manual"},
    ),
    (
        _write_deregistration,
        "registration.deregister",
        "registration",
        {"deregistered_on": None},
        {"deregistered_on": "2026-06-30"},
    ),
    (_write_token_create, "token.create", "api_token", None, {"name": "ops", "role": "admin"}),
    (_write_token_revoke, "token.revoke", "api_token", None, None),
]


@pytest.mark.parametrize(
    ("write", "action", "entity", "before", "after"), WRITES, ids=[w[1] for w in WRITES]
)
def test_every_write_is_audited(client, admin, write, action, entity, before, after):
    ctx: dict = {}
    r, entity_id = write(client, admin, ctx)
    assert r.status_code < 300, r.get_json()
    entries = client.get(f"/api/v1/audit?action={action}", headers=admin).get_json()
    assert len(entries) == 1, entries
    [entry] = entries
    assert entry["entity"] == entity and entry["entity_id"] == entity_id
    assert entry["actor"].startswith("admin:admin#")  # who: role, name and token id
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None
    if before is None:
        assert entry["before"] is None
    else:
        assert {k: entry["before"][k] for k in before} == before
    if after is None:
        assert entry["after"] is None
    else:
        assert {k: entry["after"][k] for k in after} == after
    for snapshot in (entry["before"] or {}, entry["after"] or {}):
        assert not {"vendor_credential", "token_hash", "token"} & snapshot.keys()
        assert not {"s3cret", ctx.get("secret")} & {str(v) for v in snapshot.values()}


def test_actor_names_the_token_used(client, admin, app):
    from tests.conftest import make_token

    other = make_token(app, "admin", name="alice")
    client.patch("/api/v1/program", json={"insurer": "X"}, headers=other)
    [entry] = client.get("/api/v1/audit?action=program.update", headers=admin).get_json()
    assert entry["actor"].startswith("admin:alice#")


def test_refused_writes_leave_no_entry(client, admin):
    m = f.insured_member(client, admin)
    baseline = len(client.get("/api/v1/audit?page_size=500", headers=admin).get_json())
    refused = [
        client.post(
            f"/api/v1/members/{m['id']}/terms",
            json={"start_date": "2026-05-01", "end_date": "2026-06-01"},
            headers=admin,
        ),
        client.post(
            f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel",
            json={"last_day": "2030-01-01"},
            headers=admin,
        ),
        client.post(
            "/api/v1/members",
            json={"name": "x", "contact_email": "a@b.jp", "corporate_number": "1234567890123"},
            headers=admin,
        ),
        client.patch("/api/v1/program", json={"timezone": "Nowhere/Else"}, headers=admin),
    ]
    assert [r.status_code for r in refused] == [409, 422, 422, 400]
    assert len(client.get("/api/v1/audit?page_size=500", headers=admin).get_json()) == baseline


def test_filters_and_order(client, admin):
    a = f.member(client, admin)
    b = f.member(client, admin)
    client.patch(f"/api/v1/members/{a['id']}", json={"name": "A2"}, headers=admin)
    by_id = client.get(f"/api/v1/audit?entity=member&entity_id={a['id']}", headers=admin).get_json()
    assert [e["action"] for e in by_id] == ["member.update", "member.create"]  # newest first
    by_entity = client.get(
        "/api/v1/audit?entity=member&action=member.create", headers=admin
    ).get_json()
    assert [e["entity_id"] for e in by_entity] == [b["id"], a["id"]]
    assert client.get("/api/v1/audit?entity_id=x", headers=admin).status_code == 400


def test_member_cannot_read_the_trail(client, admin, member_headers):
    m = f.member(client, admin)
    assert client.get("/api/v1/audit", headers=member_headers(m["id"])).status_code == 403
