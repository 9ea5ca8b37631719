"""Proof of notice, resend and the attempts history, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import delete, select, update

from groupcover import db
from groupcover.notices import proof
from groupcover.notices.delivery import DeliveryOptions, send_due_notices
from groupcover.notices.models import NoticeMessage
from tests.jobs.test_send_notices import engine, run


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detail(client, admin, notice_id: int) -> dict:
    return client.get(f"/api/v1/notices/{notice_id}", headers=admin).get_json()


def verify(app):
    return app.test_cli_runner().invoke(args=["verify-notices"])


def test_the_stored_bytes_are_the_bytes_the_server_received(
    app, client, admin, published, smtp_server
):
    _, pending = published(3)
    run(app, smtp_server)

    previous = proof.GENESIS
    for n, received in zip(pending, smtp_server.handler.raw, strict=True):
        shown = detail(client, admin, n["id"])
        assert shown["message_sha256"] == sha(received)
        assert shown["chain_sha256"] == sha((previous + sha(received)).encode())
        previous = shown["chain_sha256"]
        eml = client.get(f"/api/v1/notices/{n['id']}/message", headers=admin)
        assert eml.status_code == 200
        assert eml.mimetype == "message/rfc822"
        assert eml.data == received
        assert b"\r\n" in eml.data and b"\r\n\r\n" in eml.data
        assert [h["outcome"] for h in shown["history"]] == ["accepted"]
        assert shown["history"][0]["smtp_reply"] == "250 Message accepted"
        assert shown["history"][0]["message_sha256"] == sha(received)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "3 message(s) verified" in result.output


def test_a_notice_not_yet_delivered_has_no_message(app, client, admin, published):
    _, pending = published(1)
    shown = detail(client, admin, pending[0]["id"])
    assert (shown["message_sha256"], shown["chain_sha256"], shown["history"]) == (None, None, [])
    missing = client.get(f"/api/v1/notices/{pending[0]['id']}/message", headers=admin)
    assert missing.status_code == 404
    assert verify(app).exit_code == 0


def test_a_member_reads_its_own_message_only(
    app, client, admin, published, smtp_server, member_headers
):
    members, pending = published(2)
    run(app, smtp_server)
    own = member_headers(members[0]["id"])
    assert client.get(f"/api/v1/notices/{pending[0]['id']}/message", headers=own).status_code == 200
    other = client.get(f"/api/v1/notices/{pending[1]['id']}/message", headers=own)
    assert other.status_code == 404
    missing = client.get("/api/v1/notices/999999/message", headers=own)
    assert other.get_json()["rule"] == missing.get_json()["rule"] == "not_found"
    assert (
        client.post(f"/api/v1/notices/{pending[0]['id']}/resend", json={}, headers=own).status_code
        == 403
    )


def _tamper(app, statement) -> None:
    with db.transaction(engine(app)) as session:
        session.execute(statement)


def _links(app) -> list[NoticeMessage]:
    with db.transaction(engine(app), write=False) as session:
        return list(session.execute(select(NoticeMessage).order_by(NoticeMessage.seq)).scalars())


@pytest.mark.parametrize(
    ("tamper", "broken_at", "says"),
    [
        ("message", 2, "does not match its message_sha256"),
        ("message_sha256", 2, "does not match its message_sha256"),
        ("chain_sha256", 2, "chain_sha256 does not follow"),
        ("delete_middle", 2, "missing (the next stored link is 3)"),
        ("delete_last", 4, "missing: the head records 4"),
    ],
)
def test_verify_notices_names_the_first_break(
    app, client, admin, published, smtp_server, tamper, broken_at, says
):
    published(4)
    run(app, smtp_server)
    links = _links(app)
    second = links[1]
    if tamper == "message":
        forged = second.message.replace(b"Subject:", b"Subject: RE:", 1)
        _tamper(
            app, update(NoticeMessage).where(NoticeMessage.id == second.id).values(message=forged)
        )
    elif tamper == "message_sha256":
        _tamper(
            app,
            update(NoticeMessage)
            .where(NoticeMessage.id == second.id)
            .values(message_sha256="0" * 64),
        )
    elif tamper == "chain_sha256":
        _tamper(
            app,
            update(NoticeMessage)
            .where(NoticeMessage.id == second.id)
            .values(chain_sha256="f" * 64),
        )
    elif tamper == "delete_middle":
        _tamper(app, delete(NoticeMessage).where(NoticeMessage.id == second.id))
    else:
        _tamper(app, delete(NoticeMessage).where(NoticeMessage.id == links[-1].id))

    result = verify(app)

    assert result.exit_code == 1
    assert f"proof chain broken at link {broken_at}" in result.output
    assert says in result.output
    if tamper in ("message", "message_sha256", "chain_sha256"):
        assert f"(message {second.id}, notice {second.notice_id})" in result.output


def test_concurrent_senders_on_several_hosts_send_once_and_keep_one_chain(
    app, client, admin, published, smtp_server, db_url
):
    _, pending = published(24)
    reports = []

    def host(name: str) -> None:
        bind = db.make_engine(db_url)  # each host its own engine and connections
        try:
            reports.append(
                send_due_notices(
                    bind, smtp_server.settings(), DeliveryOptions(batch_size=2), holder=name
                )
            )
        finally:
            bind.dispose()

    threads = [threading.Thread(target=host, args=(f"host-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.sent for r in reports) == 24
    assert len(smtp_server.handler.raw) == 24
    links = _links(app)
    assert [link.seq for link in links] == list(range(1, 25))
    assert sorted(link.notice_id for link in links) == sorted(n["id"] for n in pending)
    assert sorted(link.message for link in links) == sorted(smtp_server.handler.raw)
    assert verify(app).exit_code == 0


def test_resend_after_a_permanent_refusal_reaches_the_corrected_address_once(
    app, client, admin, published, smtp_server
):
    members, pending = published(2)
    wrong = members[0]["contact_email"]
    smtp_server.handler.rcpt_replies[wrong] = "550 5.1.1 no such user"
    report = run(app, smtp_server)
    assert (report.sent, report.failed) == (1, 1)
    notice_id = pending[0]["id"]
    assert detail(client, admin, notice_id)["status"] == "failed"

    patched = client.patch(
        f"/api/v1/members/{members[0]['id']}",
        json={"contact_email": "risk-desk@corrected.example.jp"},
        headers=admin,
    )
    assert patched.status_code == 200, patched.get_json()
    resent = client.post(
        f"/api/v1/notices/{notice_id}/resend",
        json={"reason": "宛先を訂正 / address corrected"},
        headers=admin,
    )
    assert resent.status_code == 200, resent.get_json()
    assert (resent.get_json()["status"], resent.get_json()["resends"]) == ("pending", 1)
    again = client.post(f"/api/v1/notices/{notice_id}/resend", json={}, headers=admin)
    assert again.status_code == 409
    assert again.get_json()["rule"] == "resend_failed_or_sent"

    assert run(app, smtp_server).sent == 1
    assert run(app, smtp_server).sent == 0  # delivered once

    arrived = smtp_server.handler.messages
    assert len(arrived) == 2
    assert arrived[-1]["X-Envelope-To"] == "risk-desk@corrected.example.jp"
    assert arrived[-1]["Message-ID"] == f"<notice-{notice_id}.1@groupcover.local>"
    shown = detail(client, admin, notice_id)
    assert shown["status"] == "sent"
    assert [
        (h["attempt"], h["resend"], h["address"], h["outcome"], h["smtp_reply"][:3])
        for h in shown["history"]
    ] == [
        (1, 0, wrong, "permanent", "550"),
        (2, 1, "risk-desk@corrected.example.jp", "accepted", "250"),
    ]
    assert shown["message_sha256"] == sha(smtp_server.handler.raw[-1])
    first_try = client.get(f"/api/v1/notices/{notice_id}/message?attempt=1", headers=admin)
    assert first_try.status_code == 404  # refused: nothing was delivered
    assert verify(app).exit_code == 0


def test_a_sent_notice_can_be_resent_and_both_messages_are_kept(
    app, client, admin, published, smtp_server, freeze
):
    _, pending = published(1)
    notice_id = pending[0]["id"]
    run(app, smtp_server)
    first_sent_at = detail(client, admin, notice_id)["sent_at"]

    freeze("2027-02-01T10:00:00+09:00")
    assert (
        client.post(f"/api/v1/notices/{notice_id}/resend", json={}, headers=admin).status_code
        == 200
    )
    run(app, smtp_server)

    shown = detail(client, admin, notice_id)
    assert shown["sent_at"] == first_sent_at  # when the member was first told
    assert shown["late"] is False
    assert [h["outcome"] for h in shown["history"]] == ["accepted", "accepted"]
    first = client.get(f"/api/v1/notices/{notice_id}/message?attempt=1", headers=admin)
    latest = client.get(f"/api/v1/notices/{notice_id}/message", headers=admin)
    assert (first.data, latest.data) == tuple(smtp_server.handler.raw)
    assert verify(app).exit_code == 0


def test_resending_a_pending_or_unknown_notice(app, client, admin, published):
    _, pending = published(1)
    r = client.post(f"/api/v1/notices/{pending[0]['id']}/resend", json={}, headers=admin)
    assert (r.status_code, r.get_json()["rule"]) == (409, "resend_failed_or_sent")
    assert client.post("/api/v1/notices/999999/resend", json={}, headers=admin).status_code == 404
