"""Withdrawing a coverage-terms change before it takes effect, and letters that come late."""

from __future__ import annotations

import pytest

from tests.jobs.test_send_notices import CHANGE, notices, run


def withdraw(
    client, admin, version_id: int, reason: str = "支払実績の再確認のため / claims re-checked"
):
    return client.post(
        f"/api/v1/coverage-terms/{version_id}/withdraw", json={"reason": reason}, headers=admin
    )


def version_id(client, admin) -> int:
    versions = client.get("/api/v1/coverage-terms", headers=admin).get_json()
    return next(v["id"] for v in versions if v["effective_date"] == CHANGE["effective_date"])


def test_withdrawing_cancels_pending_notices_and_writes_to_members_already_told(
    app, client, admin, published, smtp_server, freeze
):
    members, pending = published(3)
    smtp_server.handler.rcpt_replies[members[2]["contact_email"]] = "450 4.2.0 mailbox busy"
    report = run(app, smtp_server)
    assert (report.sent, report.retry_later) == (2, 1)
    smtp_server.handler.messages.clear()

    r = withdraw(client, admin, version_id(client, admin))

    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["notices_cancelled"], body["withdrawal_letters"]) == (1, 2)
    assert body["withdrawn_at"] and body["withdrawn_reason"].startswith("支払実績")
    by_kind = {}
    for n in notices(client, admin):
        by_kind.setdefault(n["kind"], []).append((n["member_id"], n["status"]))
    assert by_kind["coverage_change"] == [
        (members[0]["id"], "sent"),
        (members[1]["id"], "sent"),
        (members[2]["id"], "cancelled"),
    ]
    assert by_kind["withdrawal"] == [(members[0]["id"], "pending"), (members[1]["id"], "pending")]

    freeze("2027-01-15T11:00:00+09:00")  # the busy mailbox's retry is due: it stays cancelled
    del smtp_server.handler.rcpt_replies[members[2]["contact_email"]]
    assert run(app, smtp_server).sent == 2
    letters = smtp_server.handler.messages
    assert [m["X-Envelope-To"] for m in letters] == [m["contact_email"] for m in members[:2]]
    text = letters[0].get_content()
    assert "撤回" in letters[0]["Subject"] and "Withdrawal" in letters[0]["Subject"]
    order = [
        text.index(s) for s in ("御中", "拝啓", "敬具", "\n記\n", "\n以上\n", "English", "Dear")
    ]
    assert order == sorted(order)  # a Japanese business letter first, then English
    assert "2027年3月16日" in text and "16 March 2027" in text
    assert "現行のまま変更ありません" in text and "3,000,000円" in text and "2,000,000円" in text
    assert "理由：支払実績の再確認のため / claims re-checked" in text


def test_a_withdrawn_version_is_never_in_force(app, client, admin, published):
    members, _ = published(1)
    assert withdraw(client, admin, version_id(client, admin)).status_code == 200
    coverage = client.get(
        f"/api/v1/members/{members[0]['id']}/coverage?on=2027-03-20", headers=admin
    ).get_json()
    assert (coverage["per_incident_limit"], coverage["aggregate_limit"]) == (3_000_000, 10_000_000)
    versions = client.get("/api/v1/coverage-terms", headers=admin).get_json()
    assert [v["effective_date"] for v in versions][-1] == "2027-03-16"  # kept, not deleted
    # A new change may take effect before the withdrawn one's date, but not on it.
    earlier = {**CHANGE, "effective_date": "2027-03-20"}
    assert client.post("/api/v1/coverage-terms", json=earlier, headers=admin).status_code == 201


def test_withdrawing_twice_or_unknown_or_without_reason(app, client, admin, published):
    published(1)
    vid = version_id(client, admin)
    assert (
        client.post(f"/api/v1/coverage-terms/{vid}/withdraw", json={}, headers=admin).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/coverage-terms/{vid}/withdraw", json={"reason": "   "}, headers=admin
        ).status_code
        == 422
    )
    assert withdraw(client, admin, vid).status_code == 200
    again = withdraw(client, admin, vid)
    assert (again.status_code, again.get_json()["rule"]) == (409, "coverage_terms_withdrawn")
    assert withdraw(client, admin, 999_999).status_code == 404


@pytest.mark.parametrize(
    ("now", "status"),
    [
        ("2027-03-15T23:59:59+09:00", 200),  # the last day before it takes effect, in Tokyo
        ("2027-03-15T15:00:00+00:00", 409),  # = 2027-03-16 00:00 in Tokyo: in force
        ("2027-05-01T09:00:00+09:00", 409),
    ],
)
def test_a_version_in_force_cannot_be_withdrawn(app, client, admin, published, freeze, now, status):
    published(1)
    freeze(now)
    r = withdraw(client, admin, version_id(client, admin))
    assert r.status_code == status, r.get_json()
    if status == 409:
        assert r.get_json()["rule"] == "coverage_terms_in_force"


def test_the_initial_version_cannot_be_withdrawn(client, admin):
    first = client.get("/api/v1/coverage-terms", headers=admin).get_json()[0]
    assert withdraw(client, admin, first["id"]).status_code == 409


def test_a_notice_of_a_withdrawn_change_is_not_resent(app, client, admin, published, smtp_server):
    _, pending = published(1)
    run(app, smtp_server)
    withdraw(client, admin, version_id(client, admin))
    r = client.post(f"/api/v1/notices/{pending[0]['id']}/resend", json={}, headers=admin)
    assert (r.status_code, r.get_json()["rule"]) == (409, "coverage_terms_withdrawn")
    cancelled = [n for n in notices(client, admin) if n["status"] == "cancelled"]
    assert cancelled == []  # it had been sent: nothing pending was cancelled


def test_a_letter_resent_after_its_send_by_says_why_it_is_late(
    app, client, admin, published, smtp_server, freeze
):
    members, pending = published(1)
    smtp_server.handler.rcpt_replies[members[0]["contact_email"]] = "550 5.1.1 no such user"
    run(app, smtp_server)
    freeze("2027-01-20T10:00:00+09:00")  # send_by was 2027-01-15
    client.patch(
        f"/api/v1/members/{members[0]['id']}",
        json={"contact_email": "new-desk@member.example.jp"},
        headers=admin,
    )
    reason = "ご登録の宛先が誤っていたため / the address on file was wrong"
    resent = client.post(
        f"/api/v1/notices/{pending[0]['id']}/resend", json={"reason": reason}, headers=admin
    )
    assert resent.status_code == 200
    assert run(app, smtp_server).sent == 1
    text = smtp_server.handler.messages[-1].get_content()
    assert f"理由：{reason}" in text and f"Reason: {reason}" in text
    shown = client.get(f"/api/v1/notices/{pending[0]['id']}", headers=admin).get_json()
    assert shown["late"] is True and shown["resend_reason"] == reason
    assert reason in shown["body"]
