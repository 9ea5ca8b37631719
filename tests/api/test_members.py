"""Member companies: enrolment (corporate number check digit, unique vendor account), the
admin list with pagination and filters, reading and editing one, and the write-only vendor
credential."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from groupcover import crypto, db
from groupcover.members.models import Member
from tests import factories as f

BASE = {"name": "Sakura Manufacturing K.K.", "contact_email": "risk@sakura.example.jp"}


def test_create_returns_the_member(client, admin):
    body = {
        **BASE,
        "contact_name": "山田 花子",
        "vendor_account_id": "acct-1",
        "corporate_number": "7000012050002",
    }
    r = client.post("/api/v1/members", json=body, headers=admin)
    assert r.status_code == 201
    created = r.get_json()
    assert isinstance(created["id"], int)
    assert {k: created[k] for k in body} == body
    assert created["has_vendor_credential"] is False
    assert client.get(f"/api/v1/members/{created['id']}", headers=admin).get_json() == created


@pytest.mark.parametrize(
    ("corporate_number", "status"),
    [
        ("7000012050002", 201),  # 国税庁: check digit 7
        ("1180301018771", 201),
        ("5010401067252", 201),
        (None, 201),  # optional
        ("7000012050003", 422),  # last digit changed: check digit no longer fits
        ("8000012050002", 422),  # wrong check digit
        ("700001205000", 422),  # 12 digits
        ("70000120500021", 422),  # 14 digits
        ("700001205000A", 422),
        ("７000012050002", 201),  # a full-width digit is normalised (NFKC), then checked
        ("７000012050003", 422),  # … and the check digit still has to fit
        ("", 422),
    ],
)
def test_corporate_number_check_digit(client, admin, corporate_number, status):
    r = client.post(
        "/api/v1/members", json={**BASE, "corporate_number": corporate_number}, headers=admin
    )
    assert r.status_code == status, r.get_json()
    if status == 422:
        body = r.get_json()
        assert body["field"] == "corporate_number"
        assert body["rule"] == "corporate_number_check_digit"
        assert client.get("/api/v1/members", headers=admin).get_json() == []


def test_corporate_number_checked_on_patch(client, admin):
    m = f.member(client, admin)
    r = client.patch(
        f"/api/v1/members/{m['id']}", json={"corporate_number": "7000012050003"}, headers=admin
    )
    assert r.status_code == 422
    assert client.get(f"/api/v1/members/{m['id']}", headers=admin).get_json() == m


def test_duplicate_vendor_account_id_is_409(client, admin):
    first = f.member(client, admin, vendor_account_id="acct-7")
    r = client.post("/api/v1/members", json={**BASE, "vendor_account_id": "acct-7"}, headers=admin)
    assert r.status_code == 409
    body = r.get_json()
    assert body["field"] == "vendor_account_id" and body["rule"] == "vendor_account_id_unique"
    assert [m["id"] for m in client.get("/api/v1/members", headers=admin).get_json()] == [
        first["id"]
    ]


def test_patch_to_another_members_vendor_account_id_is_409(client, admin):
    f.member(client, admin, vendor_account_id="acct-a")
    b = f.member(client, admin, vendor_account_id="acct-b")
    r = client.patch(
        f"/api/v1/members/{b['id']}", json={"vendor_account_id": "acct-a"}, headers=admin
    )
    assert r.status_code == 409
    same = client.patch(
        f"/api/v1/members/{b['id']}", json={"vendor_account_id": "acct-b"}, headers=admin
    )
    assert same.status_code == 200  # its own value is no conflict


def test_members_without_vendor_account_are_not_duplicates(client, admin):
    f.member(client, admin)
    f.member(client, admin)
    assert len(client.get("/api/v1/members", headers=admin).get_json()) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"contact_email": "a@b.jp"},  # name missing
        {"name": "x"},  # email missing
        {"name": "x", "contact_email": "not-an-email"},
        {"name": "", "contact_email": "a@b.jp"},
        {"name": "x" * 201, "contact_email": "a@b.jp"},
        {"name": ["x"], "contact_email": "a@b.jp"},
        {"name": "x", "contact_email": "a@b.jp", "corporate_number": 7000012050002},
        {"name": "x", "contact_email": "a@b.jp", "vendor_credential": "secret"},
        {"name": "x", "contact_email": "a@b.jp", "id": 5},
    ],
)
def test_create_rejects_malformed_bodies(client, admin, body):
    r = client.post("/api/v1/members", json=body, headers=admin)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] is not None


def test_list_paginates_with_header(client, admin):
    ids = [f.member(client, admin)["id"] for _ in range(5)]
    r = client.get("/api/v1/members?page=2&page_size=2", headers=admin)
    assert r.status_code == 200
    assert [m["id"] for m in r.get_json()] == ids[2:4]
    meta = json.loads(r.headers["X-Pagination"])
    assert meta["total"] == 5 and meta["page"] == 2 and meta["total_pages"] == 3
    last = client.get("/api/v1/members?page=3&page_size=2", headers=admin)
    assert [m["id"] for m in last.get_json()] == ids[4:]
    beyond = client.get("/api/v1/members?page=4&page_size=2", headers=admin)
    assert beyond.status_code == 200 and beyond.get_json() == []


def test_list_default_page_size_is_50(client, admin):
    for _ in range(51):
        f.member(client, admin)
    r = client.get("/api/v1/members", headers=admin)
    assert len(r.get_json()) == 50
    assert json.loads(r.headers["X-Pagination"])["total"] == 51
    assert len(client.get("/api/v1/members?page_size=500", headers=admin).get_json()) == 51


@pytest.mark.parametrize(
    "query", ["page_size=501", "page_size=0", "page=0", "page=x", "page_size=-1"]
)
def test_list_rejects_bad_pagination(client, admin, query):
    r = client.get(f"/api/v1/members?{query}", headers=admin)
    assert r.status_code == 400
    assert r.get_json()["field"] in {"page", "page_size"}


def test_list_filters(client, admin):
    a = f.member(client, admin, name="Sakura Manufacturing K.K.", vendor_account_id="v-1")
    b = f.member(client, admin, name="Fuji Retail Co., Ltd.", vendor_account_id="v-2")
    c = f.member(client, admin, name="Minato SAKURA Health")

    def ids(query):
        return [m["id"] for m in client.get(f"/api/v1/members?{query}", headers=admin).get_json()]

    assert ids("name=sakura") == [a["id"], c["id"]]  # substring, case-insensitive
    assert ids("name=retail") == [b["id"]]
    assert ids("vendor_account_id=v-2") == [b["id"]]
    assert ids("vendor_account_id=v-3") == []
    assert ids("name=sakura&vendor_account_id=v-1") == [a["id"]]


def test_get_unknown_member_is_404(client, admin):
    r = client.get("/api/v1/members/999999", headers=admin)
    assert r.status_code == 404 and r.get_json()["rule"] == "not_found"


def test_patch_edits_named_fields(client, admin):
    m = f.member(client, admin, contact_name="佐藤")
    r = client.patch(
        f"/api/v1/members/{m['id']}",
        json={"contact_email": "new@sakura.example.jp", "contact_name": None},
        headers=admin,
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["contact_email"] == "new@sakura.example.jp" and body["contact_name"] is None
    assert body["name"] == m["name"]
    assert client.get(f"/api/v1/members/{m['id']}", headers=admin).get_json() == body


def test_patch_unknown_member_is_404(client, admin):
    assert (
        client.patch("/api/v1/members/999999", json={"name": "x"}, headers=admin).status_code == 404
    )


SECRET = "panorays-secret-token-Zq81"


def test_vendor_credential_is_write_only(app, client, admin):
    m = f.member(client, admin)
    r = client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": SECRET}, headers=admin
    )
    assert r.status_code == 204 and r.data == b""
    seen = [
        client.get(f"/api/v1/members/{m['id']}", headers=admin),
        client.get("/api/v1/members", headers=admin),
        client.get("/api/v1/audit?page_size=500", headers=admin),
        client.patch(f"/api/v1/members/{m['id']}", json={"name": "renamed"}, headers=admin),
        client.get("/api/openapi.json"),
    ]
    for response in seen:
        assert SECRET not in response.get_data(as_text=True)
    assert seen[0].get_json()["has_vendor_credential"] is True
    with app.app_context(), db.transaction(write=False) as s:
        stored = s.execute(select(Member.vendor_credential).where(Member.id == m["id"])).scalar()
        assert stored and SECRET not in stored  # encrypted at rest
        assert crypto.decrypt(stored) == SECRET


def test_vendor_credential_audit_entry_has_no_secret(client, admin):
    m = f.member(client, admin)
    client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": SECRET}, headers=admin
    )
    client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": SECRET + "2"}, headers=admin
    )
    entries = client.get(
        "/api/v1/audit?action=member.vendor_credential.set", headers=admin
    ).get_json()
    assert [(e["before"], e["after"]) for e in entries] == [
        ({"has_vendor_credential": True}, {"has_vendor_credential": True}),  # newest first
        ({"has_vendor_credential": False}, {"has_vendor_credential": True}),
    ]
    assert all(e["entity_id"] == m["id"] for e in entries)


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": 123}, {"token": "x", "y": 1}])
def test_vendor_credential_rejects_malformed_bodies(client, admin, body):
    m = f.member(client, admin)
    r = client.put(f"/api/v1/members/{m['id']}/vendor-credential", json=body, headers=admin)
    assert r.status_code == 400
    assert (
        client.get(f"/api/v1/members/{m['id']}", headers=admin).get_json()["has_vendor_credential"]
        is False
    )


def test_vendor_credential_of_unknown_member_is_404(client, admin):
    r = client.put(
        "/api/v1/members/999999/vendor-credential", json={"token": SECRET}, headers=admin
    )
    assert r.status_code == 404
