"""``send-notices``: real SMTP (aiosmtpd), failures, a crash mid-batch, two hosts at once."""

from __future__ import annotations

import threading

import pytest

from groupcover.config import update_settings
from groupcover.notices import delivery
from groupcover.notices.delivery import DeliveryOptions, send_due_notices
from tests import factories as f

TODAY = "2027-01-15T10:00:00+09:00"
CHANGE = {
    "effective_date": "2027-03-16",
    "per_incident_limit": 2_000_000,
    "aggregate_limit": 8_000_000,
    "summary_ja": "限度額を見直します。",
    "summary_en": "The limits are revised.",
}


@pytest.fixture
def published(client, admin, freeze):
    """Publish a change to ``count`` insured members; return (members, notices)."""

    def _publish(count: int, **changes):
        freeze("2026-04-01T09:00:00+09:00")
        members = [
            f.insured_member(client, admin, "2026-04-01", "2027-03-31", contact_name=f"担当者 {n}")
            for n in range(count)
        ]
        freeze(TODAY)
        response = client.post("/api/v1/coverage-terms", json={**CHANGE, **changes}, headers=admin)
        assert response.status_code == 201, response.get_json()
        return members, notices(client, admin)

    return _publish


def notices(client, admin) -> list[dict]:
    return client.get("/api/v1/notices?page_size=500", headers=admin).get_json()


def engine(app):
    return app.extensions["groupcover.engine"]


def run(app, server, **options) -> delivery.RunReport:
    return send_due_notices(engine(app), server.settings(), DeliveryOptions(**options))


def arrived(server) -> list[str]:
    return [m["Message-ID"] for m in server.handler.messages]


def test_every_pending_notice_arrives_once_with_the_letter(
    app, client, admin, published, smtp_server
):
    members, pending = published(3)

    report = run(app, smtp_server)

    assert (report.sent, report.retry_later, report.failed, report.ok) == (3, 0, 0, True)
    assert arrived(smtp_server) == [f"<notice-{n['id']}@groupcover.local>" for n in pending]
    assert len(smtp_server.handler.sessions) == 1
    first = smtp_server.handler.messages[0]
    assert first["To"] == members[0]["contact_email"]
    assert "effective 2027-03-16" in first["Subject"]
    body = first.get_content()
    assert body.index(members[0]["name"] + "\n担当者 0 様") < body.index("Attn: 担当者 0")
    assert "御中" not in body  # a named contact: 様 alone
    assert "変更前 3,000,000円 → 変更後 2,000,000円" in body
    assert "now ¥10,000,000 -> new ¥8,000,000" in body
    assert f"/console/notices/{pending[0]['id']}\n" in body
    after = notices(client, admin)
    assert {n["status"] for n in after} == {"sent"}
    assert all(n["sent_at"] and n["late"] is False for n in after)

    assert run(app, smtp_server).sent == 0
    assert len(smtp_server.handler.messages) == 3


def test_a_permanent_refusal_fails_that_notice_with_the_smtp_error(
    app, client, admin, published, smtp_server
):
    members, _ = published(3)
    smtp_server.handler.rcpt_replies[members[1]["contact_email"]] = "550 5.1.1 no such mailbox"

    report = run(app, smtp_server)

    assert (report.sent, report.failed, report.ok) == (2, 1, False)
    assert "550 5.1.1 no such mailbox" in report.errors[0]
    assert members[1]["contact_email"] not in report.errors[0]
    failed = [n for n in notices(client, admin) if n["status"] == "failed"]
    assert [n["member_id"] for n in failed] == [members[1]["id"]]
    assert failed[0]["last_error"] == "550 5.1.1 no such mailbox"
    assert failed[0]["attempts"] == 1


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_transient_failures_back_off_then_fail_after_the_last_attempt(
    app, client, admin, published, smtp_server, freeze, stage
):
    members, _ = published(2)
    handler = smtp_server.handler
    replies = handler.rcpt_replies if stage == "rcpt" else handler.data_replies
    replies[members[0]["contact_email"]] = "451 4.3.0 mailbox busy"
    options = {"max_attempts": 3}

    report = run(app, smtp_server, **options)
    assert (report.sent, report.retry_later, report.ok) == (1, 1, False)
    retry = notices(client, admin)[0]
    assert (retry["status"], retry["attempts"], retry["last_error"]) == (
        "pending",
        1,
        "451 4.3.0 mailbox busy",
    )
    assert retry["next_attempt_at"] == "2027-01-15T01:05:00+00:00"

    assert run(app, smtp_server, **options).retry_later == 0  # not due yet
    freeze("2027-01-15T10:05:00+09:00")
    assert run(app, smtp_server, **options).retry_later == 1
    assert notices(client, admin)[0]["next_attempt_at"] == "2027-01-15T01:15:00+00:00"
    freeze("2027-01-15T10:15:00+09:00")
    report = run(app, smtp_server, **options)
    assert (report.failed, report.retry_later) == (1, 0)
    final = notices(client, admin)[0]
    assert (final["status"], final["attempts"], final["last_error"]) == (
        "failed",
        3,
        "451 4.3.0 mailbox busy",
    )

    del replies[members[0]["contact_email"]]
    freeze("2027-01-16T10:00:00+09:00")
    assert run(app, smtp_server, **options).sent == 0  # failed is final
    assert len(handler.messages) == 1


def test_a_refused_connection_leaves_every_notice_pending_for_later(
    app, client, admin, published, refused_port
):
    published(3)
    settings = delivery.SmtpSettings(host="127.0.0.1", port=refused_port, timeout=2)

    report = send_due_notices(engine(app), settings, DeliveryOptions(batch_size=2))

    assert (report.sent, report.retry_later, report.ok) == (0, 2, False)
    assert "ConnectionRefused" in report.errors[0]
    after = notices(client, admin)
    assert [n["status"] for n in after] == ["pending"] * 3
    assert [n["attempts"] for n in after] == [1, 1, 0]  # the run stopped after one batch


def test_a_crash_between_accept_and_status_update_loses_nothing(
    app, client, admin, published, smtp_server, freeze, monkeypatch
):
    """The documented error side: the notice in flight is sent again, same Message-ID."""
    _, pending = published(5)
    real_record = delivery.record_result
    calls = []

    def crash_on_third(*args, **kwargs):
        calls.append(args[2].notice_id)
        if len(calls) == 3:
            raise KeyboardInterrupt("the host died")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(delivery, "record_result", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run(app, smtp_server)
    monkeypatch.setattr(delivery, "record_result", real_record)

    assert len(smtp_server.handler.messages) == 3
    assert [n["status"] for n in notices(client, admin)] == ["sent"] * 2 + ["pending"] * 3

    report = run(app, smtp_server)  # the crashed run's claim still holds its batch
    assert report.sent == 0

    freeze("2027-01-15T10:16:00+09:00")  # the 15-minute lease has lapsed
    report = run(app, smtp_server)
    assert report.sent == 3
    assert [n["status"] for n in notices(client, admin)] == ["sent"] * 5
    ids = [f"<notice-{n['id']}@groupcover.local>" for n in pending]
    assert arrived(smtp_server) == ids[:3] + ids[2:]


def test_a_dropped_connection_mid_batch_loses_nothing(app, client, admin, published, smtp_server):
    _, pending = published(4)
    smtp_server.handler.drop_after_messages = [2]

    assert run(app, smtp_server).sent == 4
    assert sorted(arrived(smtp_server)) == sorted(
        f"<notice-{n['id']}@groupcover.local>" for n in pending
    )


def test_two_hosts_sending_at_once_never_send_the_same_notice(
    app, client, admin, published, smtp_server
):
    _, pending = published(30)
    reports = []

    def host(name: str) -> None:
        reports.append(
            send_due_notices(
                engine(app), smtp_server.settings(), DeliveryOptions(batch_size=3), holder=name
            )
        )

    threads = [threading.Thread(target=host, args=(f"host-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.sent for r in reports) == 30
    assert sorted(arrived(smtp_server)) == sorted(
        f"<notice-{n['id']}@groupcover.local>" for n in pending
    )
    assert {n["status"] for n in notices(client, admin)} == {"sent"}


def test_a_notice_sent_after_its_send_by_day_stays_late(
    app, client, admin, published, smtp_server, freeze
):
    published(1)
    freeze("2027-01-16T09:00:00+09:00")  # send_by was 2027-01-15
    assert client.get("/api/v1/notices?late=true", headers=admin).get_json()[0]["status"] == (
        "pending"
    )
    run(app, smtp_server)
    late = client.get("/api/v1/notices?late=true", headers=admin).get_json()
    assert [(n["status"], n["late"]) for n in late] == [("sent", True)]


def test_send_notices_command_exit_status(app, published, smtp_server, refused_port, freeze):
    published(2)
    runner = app.test_cli_runner()

    update_settings(app, SMTP_HOST="127.0.0.1", SMTP_PORT=refused_port, SMTP_TIMEOUT=2)
    failed = runner.invoke(args=["send-notices"])
    assert failed.exit_code == 1
    assert "notices sent: 0, to retry later: 2, failed: 0" in failed.output

    update_settings(app, SMTP_PORT=smtp_server.port)
    freeze("2027-01-15T10:06:00+09:00")  # past the first retry delay (5 minutes)
    ok = runner.invoke(args=["send-notices"])
    assert ok.exit_code == 0, ok.output
    assert "notices sent: 2, to retry later: 0, failed: 0" in ok.output
    assert len(smtp_server.handler.messages) == 2


def test_several_connections_send_every_notice_exactly_once(
    app, client, admin, published, smtp_server
):
    _, pending = published(25)

    report = run(app, smtp_server, batch_size=2, connections=4)

    assert (report.sent, report.failed, report.retry_later) == (25, 0, 0)
    assert sorted(arrived(smtp_server)) == sorted(
        f"<notice-{n['id']}@groupcover.local>" for n in pending
    )
    assert len(smtp_server.handler.sessions) > 1  # the letters went over several connections
    assert {n["status"] for n in notices(client, admin)} == {"sent"}


def test_a_crash_in_one_connection_is_raised_not_swallowed(
    app, published, smtp_server, monkeypatch
):
    published(4)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(delivery, "record_result", broken)
    with pytest.raises(RuntimeError, match="database gone"):
        run(app, smtp_server, batch_size=1, connections=2)
