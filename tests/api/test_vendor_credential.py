"""The vendor credential (issue 10): stripped, printable ASCII only (422 otherwise, without
quoting it), deletable, and audited without its value."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from groupcover import crypto, db
from groupcover.members.models import Member
from tests import factories as f


def _stored(member_id: int) -> str | None:
    with db.transaction(write=False) as s:
        value = s.execute(select(Member.vendor_credential).where(Member.id == member_id)).scalar()
    return None if value is None else crypto.decrypt(value)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-DEF_123.~+/=", "abc-DEF_123.~+/="),
        ("  tok-1\n", "tok-1"),
        ("\ttok-2\r\n", "tok-2"),
        ("!" + "x" * 4094, "!" + "x" * 4094),
    ],
)
def test_surrounding_whitespace_is_stripped(client, admin, sent, kept):
    m = f.member(client, admin)
    r = client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": sent}, headers=admin
    )
    assert r.status_code == 204, r.get_json()
    assert _stored(m["id"]) == kept


def test_a_nul_byte_is_malformed_input_before_any_rule(client, admin):
    """API.md § Conventions: NUL bytes in strings are 400, whatever the field."""
    m = f.member(client, admin)
    r = client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": "abc\x00def"}, headers=admin
    )
    assert r.status_code == 400
    assert (r.get_json()["field"], r.get_json()["rule"]) == ("token", "nul_byte")


@pytest.mark.parametrize(
    "token",
    [
        "abc\ndef",  # a header-splitting newline inside
        "abc def",  # a space inside
        "abc\x7fdef",  # DEL
        "トークン",  # not Latin-1 at all
        "tok\u00e9n",  # Latin-1, still not ASCII
        "   ",  # nothing left once stripped
        "\n",
    ],
)
def test_anything_but_printable_ascii_is_refused(client, admin, token):
    m = f.member(client, admin)
    client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": "old-1"}, headers=admin
    )
    r = client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": token}, headers=admin
    )
    assert r.status_code == 422
    body = r.get_json()
    assert (body["field"], body["rule"]) == ("token", "vendor_token_printable_ascii")
    if token.strip():
        assert token.strip() not in r.get_data(as_text=True)
    assert _stored(m["id"]) == "old-1"  # nothing written


def test_delete_forgets_the_credential_and_is_audited(client, admin):
    m = f.member(client, admin)
    url = f"/api/v1/members/{m['id']}/vendor-credential"
    client.put(url, json={"token": "secret-to-forget"}, headers=admin)
    r = client.delete(url, headers=admin)
    assert r.status_code == 204 and r.data == b""
    assert _stored(m["id"]) is None
    assert (
        client.get(f"/api/v1/members/{m['id']}", headers=admin).get_json()["has_vendor_credential"]
        is False
    )
    assert client.delete(url, headers=admin).status_code == 204  # again: nothing to forget
    entries = client.get(
        "/api/v1/audit?action=member.vendor_credential.delete", headers=admin
    ).get_json()
    assert [(e["entity_id"], e["before"], e["after"]) for e in entries] == [
        (m["id"], {"has_vendor_credential": False}, {"has_vendor_credential": False}),
        (m["id"], {"has_vendor_credential": True}, {"has_vendor_credential": False}),
    ]
    audit_text = client.get("/api/v1/audit?page_size=500", headers=admin).get_data(as_text=True)
    assert "secret-to-forget" not in audit_text


def test_delete_of_an_unknown_member_is_404(client, admin):
    assert (
        client.delete("/api/v1/members/999999/vendor-credential", headers=admin).status_code == 404
    )


def test_member_cannot_delete_even_its_own_credential(client, admin, member_headers):
    m = f.member(client, admin)
    url = f"/api/v1/members/{m['id']}/vendor-credential"
    client.put(url, json={"token": "keep-me"}, headers=admin)
    assert client.delete(url, headers=member_headers(m["id"])).status_code == 403
    assert _stored(m["id"]) == "keep-me"
