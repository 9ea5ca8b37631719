"""Operations pages for administrators: CSV import (upload → preview → confirm), exports,
resending a notice and withdrawing a coverage-terms change; member users are refused."""

from __future__ import annotations

import base64
import io
import re
import zlib
from pathlib import Path

import pytest

from tests.console.conftest import csrf_token
from tests.jobs.test_send_notices import notices, run

DATA = Path(__file__).parent.parent / "data"
_HIDDEN = re.compile(r'name="(payload|ticket)" type="hidden" value="([^"]*)"')


def upload(client, kind: str, name: str, encoding: str = "", data: bytes | None = None):
    token = csrf_token(client, "/console/imports")
    body = data if data is not None else (DATA / name).read_bytes()
    return client.post(
        "/console/imports",
        data={
            "csrf_token": token,
            "kind": kind,
            "encoding": encoding,
            "file": (io.BytesIO(body), name),
        },
        content_type="multipart/form-data",
    )


def hidden(page) -> dict[str, str]:
    found = dict(_HIDDEN.findall(page.get_data(as_text=True)))
    assert set(found) == {"payload", "ticket"}, "no confirmation form"
    return found


def confirm(client, fields: dict[str, str]):
    token = csrf_token(client, "/console/imports")
    return client.post("/console/imports/confirm", data={"csrf_token": token, **fields})


def members(client, admin) -> list[dict]:
    return client.get("/api/v1/members?page_size=500", headers=admin).get_json()


def counts(page) -> tuple[str, str, str]:
    html = page.get_data(as_text=True)
    return tuple(  # type: ignore[return-value]
        re.search(rf'id="{i}">(\d+)<', html).group(1)  # type: ignore[union-attr]
        for i in ("rows-read", "would-create", "unchanged")
    )


def test_an_excel_cp932_file_is_previewed_then_imported_once(client, admin, sign_in):
    boss = sign_in("ops@admin.example.jp")
    assert (DATA / "members_cp932_crlf.csv").read_bytes()[:3] != b"\xef\xbb\xbf"  # no BOM

    preview = upload(boss, "members", "members_cp932_crlf.csv")

    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "確認：まだ取り込まれていません" in html and "Shift_JIS (CP932)" in html
    assert "<td>㈱さくら物流</td>" in html  # the first rows, as read
    assert counts(preview) == ("3", "3", "0")
    assert members(client, admin) == []  # the preview wrote nothing

    done = confirm(boss, hidden(preview))
    assert done.status_code == 303 and done.headers["Location"].endswith("/console/imports")
    page = boss.get("/console/imports").get_data(as_text=True)
    assert "3 行を読み込み、3 件を作成、0 件を更新、0 件は登録済み（変更なし）" in page
    names = sorted(m["name"] for m in members(client, admin))
    assert names == sorted(["㈱さくら物流", "富士精機株式会社, 東京本社", "港データ株式会社"])

    again = confirm(boss, hidden(preview))  # the same confirmation twice: nothing more
    assert again.status_code == 303
    assert "0 件を作成、0 件を更新、3 件は登録済み" in boss.get("/console/imports").get_data(
        as_text=True
    )
    assert len(members(client, admin)) == 3

    same_file = upload(boss, "members", "members_cp932_crlf.csv")
    assert counts(same_file) == ("3", "0", "3")
    assert "/console/imports/confirm" not in same_file.get_data(as_text=True)

    terms = upload(boss, "terms", "terms_cp932_crlf.csv", encoding="cp932")
    assert counts(terms) == ("3", "3", "0")
    assert confirm(boss, hidden(terms)).status_code == 303
    starts = sorted(
        t["start_date"]
        for m in members(client, admin)
        for t in client.get(f"/api/v1/members/{m['id']}/terms", headers=admin).get_json()
    )
    assert starts == ["2026-04-01", "2026-04-01", "2026-10-01"]


def test_a_corrected_members_file_previews_its_updates_and_confirms_them(client, admin, sign_in):
    boss = sign_in("ops@admin.example.jp")
    assert (
        confirm(boss, hidden(upload(boss, "members", "members_cp932_crlf.csv"))).status_code == 303
    )
    before = {m["id"]: m for m in members(client, admin)}

    corrected = upload(boss, "members", "members_cp932_crlf_corrected.csv")

    html = corrected.get_data(as_text=True)
    would_update = re.search(r'id="would-update">(\d+)<', html)
    assert would_update is not None and int(would_update.group(1)) >= 1
    assert counts(corrected)[1] == "0"  # nobody new: the same companies, corrected
    assert "/console/imports/confirm" in html  # updates alone can be confirmed
    assert confirm(boss, hidden(corrected)).status_code == 303
    after = {m["id"]: m for m in members(client, admin)}
    assert after.keys() == before.keys()  # updated in place, never a second company
    assert any(after[i] != before[i] for i in after)
    page = boss.get("/console/imports").get_data(as_text=True)
    assert f"{would_update.group(1)} 件を更新" in page


def test_a_file_with_bad_rows_lists_every_one_and_cannot_be_confirmed(client, admin, sign_in):
    boss = sign_in("ops@admin.example.jp")
    data = (DATA / "members_bad_rows.csv").read_bytes()
    api = client.post(
        "/api/v1/imports/members?dry_run=true",
        data=data,
        headers={**admin, "Content-Type": "text/csv"},
    ).get_json()

    page = upload(boss, "members", "members_bad_rows.csv")

    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert len(api["errors"]) >= 5
    assert f"{len(api['errors'])} 件のエラー：何も取り込まれていません" in html
    shown = re.findall(r'<tr class="import-error"><td class="num">(\d+)</td><td>([^<]*)</td>', html)
    assert shown == [(str(e["row"]), e["column"] or "—") for e in api["errors"]]
    assert "メールアドレス" in html or "形式" in html  # said in Japanese, not only the detail
    assert "/console/imports/confirm" not in html and 'name="ticket"' not in html
    assert members(client, admin) == []


def test_a_changed_or_foreign_confirmation_is_refused(app, client, admin, sign_in):
    boss = sign_in("ops@admin.example.jp")
    good = hidden(upload(boss, "members", "members_cp932_crlf.csv"))
    other = "name,contact_email\n悪意株式会社,evil@example.jp\n".encode()
    forged = base64.urlsafe_b64encode(zlib.compress(other)).decode()
    bomb = base64.urlsafe_b64encode(zlib.compress(b"a" * 50_000_000)).decode()
    cases = [
        {**good, "payload": forged},
        {**good, "payload": bomb},
        {**good, "payload": "not base64 at all!"},
        {**good, "ticket": good["ticket"][:-2] + "xx"},
        {"payload": good["payload"]},
    ]
    for fields in cases:
        r = confirm(boss, fields)
        assert r.status_code == 400, fields.keys()
        assert "何も取り込まれていません" in r.get_data(as_text=True)
    colleague = sign_in("colleague@admin.example.jp")  # a ticket is its user's only
    assert confirm(colleague, good).status_code == 400
    no_token = boss.post("/console/imports/confirm", data=good)
    assert no_token.status_code == 400
    assert members(client, admin) == []
    assert confirm(boss, good).status_code == 303  # the untouched one still works
    assert len(members(client, admin)) == 3


def test_a_file_too_large_for_the_console_is_refused(client, admin, sign_in, app):
    app.config["MAX_IMPORT_BYTES"] = 4096  # the console takes half: 2048 bytes
    boss = sign_in("ops@admin.example.jp")
    big = ("name,contact_email\n" + "x" * 3000 + ",a@example.jp\n").encode()
    r = upload(boss, "members", "big.csv", data=big)
    assert r.status_code == 413
    assert "2048 バイト" in r.get_data(as_text=True)
    assert members(client, admin) == []


def test_exports_download_for_administrators(client, admin, sign_in):
    client.post(
        "/api/v1/members",
        json={"name": "輸出株式会社", "contact_email": "x@example.jp"},
        headers=admin,
    )
    boss = sign_in("ops@admin.example.jp")
    page = boss.get("/console/imports").get_data(as_text=True)
    for kind in ("members", "terms", "registrations", "notices", "incidents"):
        assert f'href="/console/exports/{kind}.csv"' in page
    r = boss.get("/console/exports/members.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf") and "輸出株式会社" in r.data.decode("utf-8-sig")
    assert boss.get("/console/exports/secrets.csv").status_code == 404


def test_resend_a_failed_notice_to_the_corrected_address(
    app, client, admin, sign_in, published, smtp_server
):
    people, pending = published(2)
    wrong = people[0]["contact_email"]
    smtp_server.handler.rcpt_replies[wrong] = "550 5.1.1 no such user"
    assert (run(app, smtp_server).sent, notices(client, admin)[0]["status"]) == (1, "failed")
    client.patch(
        f"/api/v1/members/{people[0]['id']}",
        json={"contact_email": "desk@corrected.example.jp"},
        headers=admin,
    )
    failed_id, sent_id = pending[0]["id"], pending[1]["id"]
    boss = sign_in("ops@admin.example.jp")
    page = f"/console/notices/{failed_id}"
    html = boss.get(page).get_data(as_text=True)
    assert "再送" in html and "desk@corrected.example.jp" in html and "550 5.1.1" in html

    r = boss.post(
        f"{page}/resend",
        data={"csrf_token": csrf_token(boss, page), "reason": "宛先を訂正しました"},
    )

    assert r.status_code == 303 and r.headers["Location"].endswith(page)
    assert "desk@corrected.example.jp 宛に送信します" in boss.get(page).get_data(as_text=True)
    shown = client.get(f"/api/v1/notices/{failed_id}", headers=admin).get_json()
    assert (shown["status"], shown["resends"], shown["resend_reason"]) == (
        "pending",
        1,
        "宛先を訂正しました",
    )
    assert run(app, smtp_server).sent == 1
    assert smtp_server.handler.messages[-1]["X-Envelope-To"] == "desk@corrected.example.jp"
    history = boss.get(page).get_data(as_text=True)
    assert wrong in history and history.count("desk@corrected.example.jp") >= 2

    listing = "/console/notices?status=sent"
    assert 'name="resend"' in boss.get(listing).get_data(as_text=True)
    from_list = boss.post(
        f"/console/notices/{sent_id}/resend",
        data={"csrf_token": csrf_token(boss, listing), "next": listing},
    )
    assert from_list.status_code == 303 and from_list.headers["Location"].endswith(listing)
    twice = boss.post(
        f"/console/notices/{sent_id}/resend", data={"csrf_token": csrf_token(boss, listing)}
    )
    assert twice.status_code == 409  # pending already: said on the notice's page
    assert "送信済みまたは送信に失敗した通知だけを再送できます" in twice.get_data(as_text=True)
    assert client.get(f"/api/v1/notices/{sent_id}", headers=admin).get_json()["resends"] == 1


def _versions(client, admin) -> list[dict]:
    return client.get("/api/v1/coverage-terms", headers=admin).get_json()


def test_withdraw_a_change_not_yet_in_force(app, client, admin, sign_in, published, smtp_server):
    people, _ = published(3)
    smtp_server.handler.rcpt_replies[people[2]["contact_email"]] = "450 4.2.0 mailbox busy"
    assert run(app, smtp_server).sent == 2
    version = _versions(client, admin)[-1]
    prefix = f"withdraw-{version['id']}"
    boss = sign_in("ops@admin.example.jp")
    page = "/console/coverage-terms"
    assert f'name="{prefix}-reason"' in boss.get(page).get_data(as_text=True)
    action = f"/console/coverage-terms/{version['id']}/withdraw"

    def post(reason: str):
        token = csrf_token(boss, page)
        return boss.post(action, data={f"{prefix}-csrf_token": token, f"{prefix}-reason": reason})

    empty = post("  ")
    assert empty.status_code == 422 and f'id="{prefix}-reason-error"' in empty.data.decode()
    assert _versions(client, admin)[-1]["withdrawn_at"] is None

    done = post("支払実績の再確認のため")
    assert done.status_code == 303 and done.headers["Location"].endswith(page)
    html = boss.get(page).get_data(as_text=True)
    assert "送信前の通知 1 件を取り消し、撤回のお知らせ 2 件を送信待ちにしました" in html
    assert "撤回済み" in html and f'name="{prefix}-reason"' not in html
    statuses = sorted((n["kind"], n["status"]) for n in notices(client, admin))
    assert statuses == [
        ("coverage_change", "cancelled"),
        ("coverage_change", "sent"),
        ("coverage_change", "sent"),
        ("withdrawal", "pending"),
        ("withdrawal", "pending"),
    ]

    cancelled = boss.get("/console/notices?status=cancelled").get_data(as_text=True)
    assert "通知 1件" in cancelled
    assert 'name="resend"' not in boss.get("/console/notices?status=sent").data.decode()

    again = post("もう一度")
    assert (
        again.status_code == 409 and "この補償内容の変更は撤回されています" in again.data.decode()
    )
    assert len(notices(client, admin)) == 5


def test_withdrawing_a_change_already_in_force_is_refused_on_the_page(
    client, admin, sign_in, published, freeze
):
    published(1)
    version = _versions(client, admin)[-1]
    freeze("2027-03-20T10:00:00+09:00")  # in force since 2027-03-16
    boss = sign_in("ops@admin.example.jp")
    page = "/console/coverage-terms"
    prefix = f"withdraw-{version['id']}"
    assert f'name="{prefix}-reason"' not in boss.get(page).get_data(as_text=True)
    r = boss.post(
        f"/console/coverage-terms/{version['id']}/withdraw",
        data={f"{prefix}-csrf_token": csrf_token(boss, page), f"{prefix}-reason": "遅すぎる"},
    )
    assert r.status_code == 409
    assert "この変更は 2027-03-16 から適用されています" in r.get_data(as_text=True)
    assert _versions(client, admin)[-1]["withdrawn_at"] is None
    assert [n["status"] for n in notices(client, admin)] == ["pending"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/console/imports"),
        ("get", "/console/exports/members.csv"),
        ("post", "/console/imports"),
        ("post", "/console/imports/confirm"),
        ("post", "/console/notices/{notice}/resend"),
        ("post", "/console/coverage-terms/{version}/withdraw"),
    ],
)
def test_member_users_are_refused(client, admin, sign_in, published, method, path):
    people, pending = published(1)
    version = _versions(client, admin)[-1]
    member = sign_in("risk@member.example.jp", "member", people[0]["id"])
    url = path.format(notice=pending[0]["id"], version=version["id"])
    if method == "get":
        r = member.get(url)
    else:
        token = csrf_token(member, f"/console/notices/{pending[0]['id']}")
        r = member.post(
            url,
            data={
                "csrf_token": token,
                f"withdraw-{version['id']}-reason": "x",
                "kind": "members",
                "file": (io.BytesIO((DATA / "members_utf8.csv").read_bytes()), "m.csv"),
            },
            content_type="multipart/form-data",
        )
    assert r.status_code == 403
    assert "管理者" in r.get_data(as_text=True)
    assert len(members(client, admin)) == 1
    assert _versions(client, admin)[-1]["withdrawn_at"] is None
    assert [n["resends"] for n in notices(client, admin)] == [0]


def test_a_nul_byte_in_a_form_field_is_refused_and_writes_nothing(
    client, admin, sign_in, published
):
    published(1)
    version = _versions(client, admin)[-1]
    boss = sign_in("ops@admin.example.jp")
    prefix = f"withdraw-{version['id']}"
    token = csrf_token(boss, "/console/coverage-terms")
    r = boss.post(
        f"/console/coverage-terms/{version['id']}/withdraw",
        data={f"{prefix}-csrf_token": token, f"{prefix}-reason": "理由\x00"},
    )
    assert r.status_code == 400
    r = boss.post(
        "/console/members/new",
        data={"csrf_token": token, "name": "a\x00b", "contact_email": "a@example.jp"},
    )
    assert r.status_code == 400
    assert _versions(client, admin)[-1]["withdrawn_at"] is None
    assert len(members(client, admin)) == 1
