"""Re-importing a corrected members file: the row naming a stored member company (by its
corporate number, else its vendor_account_id) updates it; it never creates a second one."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.api.test_imports import FUJI, MINATO, SAKURA, audit_count, file, members, post

ORIGINAL = "members_cp932_crlf.csv"
HEADER = "name,contact_email,contact_name,vendor_account_id,corporate_number\r\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{r}\r\n" for r in rows)).encode("utf-8")


def counts(response) -> tuple[int, int, int]:
    body = response.get_json()
    return body["created"], body["updated"], body["unchanged"]


def errors(response) -> list[tuple[int, str | None, str]]:
    return [(e["row"], e["column"], e["rule"]) for e in response.get_json()["errors"]]


def test_the_same_file_again_changes_nothing(client, admin):
    assert counts(post(client, admin, "members", file(ORIGINAL))) == (3, 0, 0)
    before = audit_count(client, admin)
    again = post(client, admin, "members", file(ORIGINAL))
    assert (again.status_code, counts(again)) == (200, (0, 0, 3))
    assert audit_count(client, admin) == before  # nothing written, not even the summary


# The corrected CP932 file as office staff save it from Excel: Sakura's contact email changed.
# Minato has no vendor account: only its corporate number (in full-width digits) names it.
CORRECTED = {
    "sakura by corporate number and account": (
        "㈱さくら物流",
        file("members_cp932_crlf_corrected.csv"),
        "security@sakura-butsuryu.example.jp",
    ),
    "minato by corporate number only": (
        "港データ株式会社",
        file(ORIGINAL).replace(b"it@minato-data", b"security@minato-data"),
        "security@minato-data.example.jp",
    ),
}


@pytest.mark.parametrize("case", CORRECTED, ids=list(CORRECTED))
def test_a_corrected_email_updates_the_member(client, admin, case):
    name, corrected, email = CORRECTED[case]
    post(client, admin, "members", file(ORIGINAL))
    old = members(client, admin)[name]
    r = post(client, admin, "members", corrected)
    assert (r.status_code, counts(r)) == (200, (0, 1, 2)), r.get_json()
    now = members(client, admin)
    assert len(now) == 3
    assert (now[name]["id"], now[name]["contact_email"]) == (old["id"], email)
    assert now[name]["corporate_number"] == old["corporate_number"]
    entries = client.get(
        f"/api/v1/audit?entity=member&entity_id={old['id']}", headers=admin
    ).get_json()
    [update] = [e for e in entries if e["action"] == "member.update"]
    assert (update["before"]["contact_email"], update["after"]["contact_email"]) == (
        old["contact_email"],
        email,
    )
    [summary] = [
        e
        for e in client.get("/api/v1/audit?action=member.import", headers=admin).get_json()
        if e["after"]["updated"]
    ]
    assert (summary["after"]["created"], summary["after"]["updated"]) == (0, 1)
    terms = post(client, admin, "terms", file("terms_cp932_crlf.csv"))  # by corporate number
    assert (terms.status_code, terms.get_json()["created"]) == (200, 3), terms.get_json()


def test_a_dry_run_counts_the_update_and_writes_nothing(client, admin):
    post(client, admin, "members", file(ORIGINAL))
    before = (members(client, admin), audit_count(client, admin))
    corrected = file("members_cp932_crlf_corrected.csv")
    dry = post(client, admin, "members", corrected, "?dry_run=true")
    assert (dry.status_code, counts(dry), dry.get_json()["dry_run"]) == (200, (0, 1, 2), True)
    assert (members(client, admin), audit_count(client, admin)) == before
    assert counts(post(client, admin, "members", corrected)) == counts(dry)


def test_keys_of_two_different_members_are_refused_naming_the_row(client, admin):
    a = f.member(client, admin, corporate_number=SAKURA, vendor_account_id="acct-a")
    b = f.member(client, admin, vendor_account_id="acct-b")
    before = (members(client, admin), audit_count(client, admin))
    r = post(
        client,
        admin,
        "members",
        csv(
            "New K.K.,new@example.jp,,,",  # fine alone, but the file is all or nothing
            f"Sakura,sakura@example.jp,,acct-b,{SAKURA}",
            f"Fuji,fuji@example.jp,,,{FUJI}",
            f"Fuji,fuji-it@example.jp,,,{FUJI}",
            f"Sakura,sakura@example.jp,,,{SAKURA}",
        ),
    )
    assert r.status_code == 422
    assert r.get_json()["rule"] == "import_rejected"
    assert errors(r) == [
        (3, "vendor_account_id", "member_key_conflict"),
        (5, "contact_email", "member_repeated"),
    ]
    conflict, repeated = r.get_json()["errors"]
    assert f"#{a['id']}" in conflict["message"] and f"#{b['id']}" in conflict["message"]
    assert "row 4" in repeated["message"]
    assert (members(client, admin), audit_count(client, admin)) == before


def test_a_row_updating_a_stored_member_repeats_without_a_conflict(client, admin):
    a = f.member(client, admin, corporate_number=SAKURA, name="Sakura")
    row = f"Sakura,new@example.jp,,,{SAKURA}"
    r = post(client, admin, "members", csv(row, row, f"Sakura,other@example.jp,,,{SAKURA}"))
    assert errors(r) == [(4, "contact_email", "member_repeated")]
    r = post(client, admin, "members", csv(row, row))
    assert (r.status_code, counts(r)) == (200, (0, 1, 1))
    got = client.get(f"/api/v1/members/{a['id']}", headers=admin).get_json()
    assert got["contact_email"] == "new@example.jp"


def test_without_a_corporate_number_the_vendor_account_names_the_member(client, admin):
    a = f.member(
        client,
        admin,
        corporate_number=SAKURA,
        vendor_account_id="acct-a",
        contact_name="山田 太郎",
    )
    r = post(client, admin, "members", csv("さくら物流,risk@sakura.example.jp,山田 太郎,acct-a,"))
    assert (r.status_code, counts(r)) == (200, (0, 1, 0)), r.get_json()
    got = client.get(f"/api/v1/members/{a['id']}", headers=admin).get_json()
    assert (got["name"], got["corporate_number"]) == ("さくら物流", SAKURA)  # empty key kept
    # a column the file does not have is not a change either
    r = post(
        client,
        admin,
        "members",
        csv(
            "Sakura,x@example.jp,acct-a,",
            header="name,contact_email,vendor_account_id,corporate_number\r\n",
        ),
    )
    assert counts(r) == (0, 1, 0)
    got = client.get(f"/api/v1/members/{a['id']}", headers=admin).get_json()
    assert (got["contact_name"], got["vendor_account_id"]) == ("山田 太郎", "acct-a")
    assert len(members(client, admin)) == 1


def test_a_member_named_by_corporate_number_takes_a_new_free_vendor_account(client, admin):
    a = f.member(client, admin, corporate_number=MINATO, name="Minato")
    taken = f.member(client, admin, vendor_account_id="acct-taken")
    r = post(client, admin, "members", csv(f"Minato,{a['contact_email']},,acct-new,{MINATO}"))
    assert (r.status_code, counts(r)) == (200, (0, 1, 0))
    row = f"Minato,{a['contact_email']},,acct-taken,{MINATO}"
    r = post(client, admin, "members", csv(row))
    assert errors(r) == [(2, "vendor_account_id", "member_key_conflict")]
    assert f"#{taken['id']}" in r.get_json()["errors"][0]["message"]


def test_two_stored_members_with_one_corporate_number(client, admin):
    """Data from before this rule: the row must say which one (its vendor account)."""
    one = f.member(client, admin, corporate_number=SAKURA, vendor_account_id="acct-1")
    two = f.member(client, admin, corporate_number=SAKURA)
    r = post(client, admin, "members", csv(f"Sakura,s@example.jp,,,{SAKURA}"))
    assert errors(r) == [(2, "corporate_number", "corporate_number_ambiguous")]
    assert f"#{one['id']}, #{two['id']}" in r.get_json()["errors"][0]["message"]
    r = post(client, admin, "members", csv(f"Sakura,s@example.jp,,acct-1,{SAKURA}"))
    assert (r.status_code, counts(r)) == (200, (0, 1, 0))
    assert client.get(f"/api/v1/members/{one['id']}", headers=admin).get_json()["name"] == (
        "Sakura"
    )


def test_rows_without_a_key_still_create_unless_stored_as_they_are(client, admin):
    body = csv("Keyless K.K.,k@example.jp,,,")
    assert counts(post(client, admin, "members", body)) == (1, 0, 0)
    assert counts(post(client, admin, "members", body)) == (0, 0, 1)


def test_terms_and_suppliers_report_no_updates(client, admin):
    post(client, admin, "members", file(ORIGINAL))
    r = post(client, admin, "terms", file("terms_cp932_crlf.csv"))
    assert counts(r) == (3, 0, 0)


def test_the_openapi_document_describes_updated(client):
    spec = client.get("/api/openapi.json").get_json()
    field = spec["components"]["schemas"]["ImportResult"]["properties"]["updated"]
    assert field["type"] == "integer"
    assert "vendor_account_id" in field["description"]
