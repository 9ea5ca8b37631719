"""CSV imports (issue 14): files shaped like Excel's, every bad row reported, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from groupcover.config import update_settings
from tests import factories as f

DATA = Path(__file__).parent.parent / "data"
CSV = {"Content-Type": "text/csv"}

SAKURA, FUJI, MINATO = "8700110005901", "1180301018771", "8010001008843"


def post(client, admin, kind, body: bytes, query: str = ""):
    return client.post(f"/api/v1/imports/{kind}{query}", data=body, headers={**admin, **CSV})


def file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def members(client, admin):
    rows = client.get("/api/v1/members?page_size=500", headers=admin).get_json()
    return {m["name"]: m for m in rows}


def audit_count(client, admin) -> int:
    return len(client.get("/api/v1/audit?page_size=500", headers=admin).get_json())


def test_cp932_file_with_crlf_quoted_cells_and_full_width_digits(client, admin):
    r = post(client, admin, "members", file("members_cp932_crlf.csv"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["kind"], body["rows"], body["created"], body["unchanged"], body["errors"]) == (
        "members",
        3,
        3,
        0,
        [],
    )
    assert body["encoding"] == "cp932"
    found = members(client, admin)
    assert found["㈱さくら物流"]["corporate_number"] == SAKURA  # full width → ASCII
    fuji = found["富士精機株式会社, 東京本社"]  # the quoted comma stays in the cell
    assert fuji["contact_name"] == "佐藤 花子\r\n(情報システム部)"  # and the line break
    assert found["港データ株式会社"]["corporate_number"] == MINATO  # hyphens dropped
    assert found["港データ株式会社"]["vendor_account_id"] is None  # empty cell → none


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("members_utf8_bom.csv", {"北斗システム株式会社", 'Aozora "Blue" Trading K.K.'}),
        ("members_utf8.csv", {"白鷺工業株式会社"}),
    ],
)
def test_utf8_with_and_without_bom(client, admin, name, expected):
    r = post(client, admin, "members", file(name))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["encoding"] == "utf-8"
    assert set(members(client, admin)) == expected


def test_forced_encoding_wins_over_detection(client, admin):
    body = "name,contact_email\r\n株式会社テスト,t@example.jp\r\n".encode("cp932")
    r = post(client, admin, "members", body, "?encoding=utf-8")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["rule"] == "encoding"
    r = post(client, admin, "members", body, "?encoding=shift_jis")
    assert r.status_code == 200
    assert "株式会社テスト" in members(client, admin)


def test_every_bad_row_is_listed_and_nothing_is_written(client, admin):
    before = audit_count(client, admin)
    r = post(client, admin, "members", file("members_bad_rows.csv"))
    assert r.status_code == 422
    body = r.get_json()
    assert body["rule"] == "import_rejected"
    got = [(e["row"], e["column"], e["rule"]) for e in body["errors"]]
    assert got == [
        (3, "contact_email", "schema"),
        (4, "corporate_number", "corporate_number_check_digit"),
        (5, "name", "required"),
        (7, "vendor_account_id", "vendor_account_id_unique"),
        (8, None, "extra_cells"),
    ]
    assert "row 6" in body["errors"][3]["message"]
    assert members(client, admin) == {}  # the good rows 2 and 6 were not written either
    assert audit_count(client, admin) == before


def test_an_existing_vendor_account_is_refused_by_the_api_rule(client, admin):
    f.member(client, admin, vendor_account_id="acct-sakura")
    r = post(client, admin, "members", file("members_cp932_crlf.csv"))
    assert r.status_code == 422
    [error] = r.get_json()["errors"]
    assert (error["row"], error["column"], error["rule"]) == (
        2,
        "vendor_account_id",
        "vendor_account_id_unique",
    )


def test_dry_run_answers_the_same_and_writes_nothing(client, admin):
    r = post(client, admin, "members", file("members_cp932_crlf.csv"), "?dry_run=true")
    assert r.status_code == 200
    assert (r.get_json()["created"], r.get_json()["dry_run"]) == (3, True)
    assert members(client, admin) == {}
    bad = post(client, admin, "members", file("members_bad_rows.csv"), "?dry_run=true")
    assert bad.status_code == 422
    assert len(bad.get_json()["errors"]) == 5


def test_importing_the_same_files_again_creates_nothing(client, admin):
    for kind, name in (
        ("members", "members_cp932_crlf.csv"),
        ("terms", "terms_cp932_crlf.csv"),
        ("suppliers", "suppliers_utf8_bom_multiline.csv"),
    ):
        first = post(client, admin, kind, file(name)).get_json()
        again = post(client, admin, kind, file(name))
        assert again.status_code == 200, again.get_json()
        assert (again.get_json()["created"], again.get_json()["unchanged"]) == (
            0,
            first["created"],
        ), kind
        assert first["created"] == first["rows"] == 3


def test_terms_refer_to_members_three_ways(client, admin):
    post(client, admin, "members", file("members_cp932_crlf.csv"))
    found = members(client, admin)
    r = post(client, admin, "terms", file("terms_cp932_crlf.csv"))
    assert r.status_code == 200, r.get_json()
    minato = found["港データ株式会社"]["id"]
    body = f"member,start_date,end_date\r\n#{minato},2027-10-01,2028-09-30\r\n".encode()
    assert post(client, admin, "terms", body).status_code == 200
    terms = client.get(f"/api/v1/members/{minato}/terms", headers=admin).get_json()
    assert [(t["start_date"], t["end_date"]) for t in terms] == [
        ("2026-10-01", "2027-09-30"),  # 2026年10月1日 in full-width digits
        ("2027-10-01", "2028-09-30"),
    ]
    sakura = found["㈱さくら物流"]["id"]
    terms = client.get(f"/api/v1/members/{sakura}/terms", headers=admin).get_json()
    assert [(t["start_date"], t["end_date"]) for t in terms] == [("2026-04-01", "2027-03-31")]


def test_term_rows_break_the_api_rules(client, admin):
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31", vendor_account_id="acct-a")
    body = (
        b"member,start_date,end_date\r\n"
        b"acct-a,2027-03-31,2028-03-30\r\n"  # shares the old term's last day
        b"acct-a,2027-04-01,2028-03-31\r\n"  # the renewal: fine
        b"acct-a,2028-03-31,2029-03-30\r\n"  # shares a day with the row above
        b"acct-a,2030-04-01,2030-03-31\r\n"  # ends before it starts
        b"nobody,2026-04-01,2027-03-31\r\n"
        b"#999999,2026-04-01,2027-03-31\r\n"
        b"acct-a,2031-02-30,2031-03-31\r\n"  # no such day
    )
    r = post(client, admin, "terms", body)
    assert r.status_code == 422
    got = [(e["row"], e["column"], e["rule"]) for e in r.get_json()["errors"]]
    assert got == [
        (2, "start_date", "terms_overlap"),
        (4, "start_date", "terms_overlap"),
        (5, "end_date", "end_date_not_before_start_date"),
        (6, "member", "member_unknown"),
        (7, "member", "member_unknown"),
        (8, "start_date", "schema"),
    ]
    assert "row 3" in r.get_json()["errors"][1]["message"]
    terms = client.get(f"/api/v1/members/{m['id']}/terms", headers=admin).get_json()
    assert len(terms) == 1


def test_a_one_day_term_is_fine(client, admin):
    f.member(client, admin, vendor_account_id="acct-a")
    body = b"member,start_date,end_date\r\nacct-a,2028-02-29,2028-02-29\r\n"
    r = post(client, admin, "terms", body)
    assert (r.status_code, r.get_json()["created"]) == (200, 1)


def test_an_ambiguous_corporate_number_asks_for_the_id(client, admin):
    f.member(client, admin, corporate_number=SAKURA)
    f.member(client, admin, corporate_number=SAKURA)
    r = post(
        client,
        admin,
        "terms",
        f"member,start_date,end_date\n{SAKURA},2026-04-01,2027-03-31\n".encode(),
    )
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["rule"] == "member_ambiguous"


def test_imported_terms_get_the_pending_change_notices(client, admin, freeze):
    freeze("2026-04-01T09:00:00+09:00")
    f.member(client, admin, vendor_account_id="acct-a")
    change = {
        "effective_date": "2026-07-01",
        "per_incident_limit": 2_000_000,
        "aggregate_limit": 8_000_000,
        "summary_ja": "変更",
        "summary_en": "change",
    }
    assert client.post("/api/v1/coverage-terms", json=change, headers=admin).status_code == 201
    body = b"member,start_date,end_date\r\nacct-a,2026-04-01,2027-03-31\r\n"
    assert post(client, admin, "terms", body).status_code == 200
    notices = client.get("/api/v1/notices", headers=admin).get_json()
    assert len(notices) == 1


def test_suppliers_with_multiline_cells_and_one_supplier_under_two_members(client, admin):
    post(client, admin, "members", file("members_cp932_crlf.csv"))
    r = post(client, admin, "suppliers", file("suppliers_utf8_bom_multiline.csv"))
    assert r.status_code == 200, r.get_json()
    found = members(client, admin)
    fuji = found["富士精機株式会社, 東京本社"]["id"]
    regs = client.get(f"/api/v1/members/{fuji}/suppliers", headers=admin).get_json()
    assert sorted((r["domain"], r["name"], r["source"]) for r in regs) == [
        ("parts.example.co.jp", "部品商事\r\n(旧 部品販売)", "manual"),
        ("shared-logistics.example.jp", "シェアード物流", "manual"),
    ]
    post(client, admin, "terms", file("terms_cp932_crlf.csv"))
    cover = client.get(
        "/api/v1/coverage?domain=shared-logistics.example.jp&on=2026-05-01", headers=admin
    ).get_json()
    sakura = found["㈱さくら物流"]["id"]
    assert [c["member_id"] for c in cover["coverages"]] == sorted([sakura, fuji])  # C2


def test_supplier_rows_break_the_api_rules(client, admin):
    m = f.member(client, admin, vendor_account_id="acct-a")
    f.registration(client, admin, m["id"], "active.example.jp", "2026-04-01")
    body = (
        b"member,domain,name,registered_on\r\n"
        b"acct-a,active.example.jp,Active,2026-06-01\r\n"
        b"acct-a,not a domain,Bad,2026-06-01\r\n"
        b"acct-a,twice.example.jp,Twice,2026-06-01\r\n"
        b"acct-a,https://twice.example.jp,Twice again,2026-07-01\r\n"
        b"acct-a,noname.example.jp,,2026-06-01\r\n"
    )
    r = post(client, admin, "suppliers", body)
    assert r.status_code == 422
    got = [(e["row"], e["column"], e["rule"]) for e in r.get_json()["errors"]]
    assert got == [
        (2, "domain", "registration_active"),
        (3, "domain", "domain_name"),
        (5, "domain", "registration_active"),
        (6, "name", "required"),
    ]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b"", "header"),
        (b"name,contact_email,colour\r\nA,a@example.jp,red\r\n", "header"),
        (b"name\r\nA\r\n", "header"),
        (b'name,contact_email\r\n"A,a@example.jp\r\n', "csv_syntax"),
        (b"name,contact_email\r\nA\x00,a@example.jp\r\n", "nul_character"),
        ("name,contact_email\r\n".encode("utf-16"), "encoding"),
        (b"name,contact_email\r\n\x82\xff,a@example.jp\r\n", "encoding"),  # neither
    ],
)
def test_files_that_cannot_be_read(client, admin, body, rule):
    r = post(client, admin, "members", body)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"][0]["rule"] == rule


def test_a_file_over_max_import_bytes_is_413(client, admin, app):
    update_settings(app, MAX_IMPORT_BYTES=1024)
    body = b"name,contact_email\r\n" + b"A,a@example.jp\r\n" * 100
    assert len(body) > 1024
    r = post(client, admin, "members", body)
    assert r.status_code == 413
    assert r.get_json()["rule"] == "body_too_large"


def test_an_upload_as_a_form_file_works_too(client, admin):
    from io import BytesIO

    r = client.post(
        "/api/v1/imports/members",
        data={"file": (BytesIO(file("members_utf8.csv")), "members.csv")},
        headers=admin,
        content_type="multipart/form-data",
    )
    assert (r.status_code, r.get_json()["created"]) == (200, 1)


def test_an_import_leaves_one_compact_audit_entry(client, admin):
    post(client, admin, "members", file("members_cp932_crlf.csv"))
    entries = client.get("/api/v1/audit?entity=member", headers=admin).get_json()
    [entry] = [e for e in entries if e["action"] == "member.import"]
    assert entry["after"]["created"] == 3
    assert len(entry["after"]["ids"]) == 1  # one range of ids, not a line per row
    assert "risk@sakura-butsuryu.example.jp" not in str(entry)  # no personal data


def test_bad_query_values_are_400(client, admin):
    r = post(client, admin, "members", b"name,contact_email\n", "?encoding=latin-1")
    assert r.status_code == 400
    assert r.get_json()["field"] == "encoding"


def test_a_member_token_may_not_import(client, admin, member_headers):
    m = f.member(client, admin)
    r = post(client, member_headers(m["id"]), "members", file("members_utf8.csv"))
    assert (r.status_code, r.get_json()["rule"]) == (403, "admin_only")


def test_an_import_larger_than_the_request_limit_is_taken_up_to_the_import_limit(client, admin):
    rows = ["name,contact_email,contact_name,vendor_account_id,corporate_number"]
    rows += [
        f"Big Member {i} K.K.,risk{i}@big{i}.example.jp,担当 {i},big-{i}," for i in range(20000)
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-8")
    assert len(data) > 1024 * 1024  # over MAX_REQUEST_BYTES, under MAX_IMPORT_BYTES
    r = client.post(
        "/api/v1/imports/members?dry_run=true",
        data=data,
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["rows"] == 20000


def test_stored_terms_and_suppliers_are_read_across_in_lists(client, admin, monkeypatch):
    """Members are read in IN lists of ``_CHUNK`` ids: with two ids a list, five members span
    three lists, and a row that clashes with a stored term or registration of any of them is
    still found."""
    from groupcover.imports import importer

    monkeypatch.setattr(importer, "_CHUNK", 2)
    accounts = [f"acct-{n}" for n in range(5)]
    for account in accounts:
        m = f.insured_member(client, admin, "2026-04-01", "2027-03-31", vendor_account_id=account)
        f.registration(client, admin, m["id"], f"{account}.example.jp", "2026-04-01")
    terms = "".join(f"{a},2027-03-31,2028-03-30\r\n" for a in accounts).encode()
    r = post(client, admin, "terms", b"member,start_date,end_date\r\n" + terms)
    assert r.status_code == 422
    assert [(e["row"], e["rule"]) for e in r.get_json()["errors"]] == [
        (n, "terms_overlap") for n in range(2, 7)
    ]
    suppliers = "".join(f"{a},{a}.example.jp,x,2026-05-01\r\n" for a in accounts).encode()
    r = post(client, admin, "suppliers", b"member,domain,name,registered_on\r\n" + suppliers)
    assert r.status_code == 422
    assert len(r.get_json()["errors"]) == 5
