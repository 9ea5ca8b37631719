"""SMTP delivery against a real aiosmtpd server on 127.0.0.1."""

import logging
from datetime import date, timedelta

import pytest

from groupcover.notices.letters import LetterValues, render_letter
from groupcover.notices.mailer import (
    DeliveryResult,
    Outcome,
    OutgoingMail,
    SmtpMailer,
    SmtpSettings,
    build_message,
    message_id,
    retry_delay,
)
from groupcover.rules.limits import Limits


def letter_mail(notice_id: int, to: str = "risk@acme.example") -> OutgoingMail:
    letter = render_letter(
        LetterValues(
            notice_id=notice_id,
            program_name="Supplier Support Pack",
            policyholder="SOMPOリスクマネジメント株式会社",
            insurer="損害保険ジャパン株式会社",
            policy_number="CY-2027-0001",
            member_name="Acme株式会社",
            contact_name="山田 太郎",
            old=Limits(3_000_000, 10_000_000),
            new=Limits(2_000_000, 8_000_000),
            summary_ja="支払実績を踏まえて限度額を見直します。",
            summary_en="The limits are revised in view of the claims paid.",
            effective_date=date(2027, 4, 1),
        )
    )
    return OutgoingMail(notice_id, to, letter.subject, letter.body)


def mails(count: int) -> list[OutgoingMail]:
    return [letter_mail(n, f"member{n}@example.jp") for n in range(1, count + 1)]


def send_all(settings: SmtpSettings, batch: list[OutgoingMail]) -> list[DeliveryResult]:
    with SmtpMailer(settings) as mailer:
        return list(mailer.send_batch(batch))


def outcomes(results: list[DeliveryResult]) -> list[Outcome]:
    return [r.outcome for r in results]


def test_a_batch_arrives_over_one_connection_with_headers_languages_and_figures(smtp_server):
    results = send_all(smtp_server.settings(), [letter_mail(42)] + mails(2))

    assert outcomes(results) == [Outcome.ACCEPTED] * 3
    assert len(smtp_server.handler.sessions) == 1
    first = smtp_server.handler.messages[0]
    assert first["Message-ID"] == "<notice-42@groupcover.local>"
    assert first["To"] == "risk@acme.example"
    assert first["X-Envelope-To"] == "risk@acme.example"
    assert first["From"].addresses[0].addr_spec == "notices@groupcover.example"
    assert first["Subject"].startswith("【補償内容変更のお知らせ】Supplier Support Pack")
    assert "effective 2027-04-01" in first["Subject"]
    assert first.get_content_type() == "text/plain"
    assert first.get_content_charset() == "utf-8"
    body = first.get_content()
    assert body.index("補償内容変更のお知らせ") < body.index("Notice of change to coverage terms")
    for figure in (
        "変更前 3,000,000円 → 変更後 2,000,000円",
        "変更前 10,000,000円 → 変更後 8,000,000円",
        "now ¥3,000,000 -> new ¥2,000,000",
        "now ¥10,000,000 -> new ¥8,000,000",
        "2027年4月1日",
        "1 April 2027",
        "CY-2027-0001",
        "/console/notices/42",
    ):
        assert figure in body


def test_message_id_is_stable_per_notice():
    assert message_id(7, "groupcover.local") == "<notice-7@groupcover.local>"
    settings = SmtpSettings(message_id_domain="cyber.example.jp")
    assert build_message(settings, letter_mail(7))["Message-ID"] == "<notice-7@cyber.example.jp>"


def test_refused_connection_fails_every_message_as_transient(refused_port):
    results = send_all(SmtpSettings(host="127.0.0.1", port=refused_port, timeout=2), mails(3))

    assert outcomes(results) == [Outcome.TRANSIENT] * 3
    assert all("ConnectionRefused" in r.error for r in results)


@pytest.mark.parametrize(
    ("stage", "reply", "outcome"),
    [
        ("rcpt", "550 5.1.1 mailbox unavailable", Outcome.PERMANENT),
        ("rcpt", "451 4.3.0 try again later", Outcome.TRANSIENT),
        ("data", "554 5.6.0 message rejected", Outcome.PERMANENT),
        ("data", "452 4.3.1 insufficient storage", Outcome.TRANSIENT),
    ],
)
def test_smtp_replies_classify_one_message_and_the_batch_goes_on(
    smtp_server, stage, reply, outcome
):
    batch = mails(3)
    handler = smtp_server.handler
    (handler.rcpt_replies if stage == "rcpt" else handler.data_replies)[batch[1].to] = reply

    results = send_all(smtp_server.settings(), batch)

    assert outcomes(results) == [Outcome.ACCEPTED, outcome, Outcome.ACCEPTED]
    assert results[1].error == reply
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == [batch[0].to, batch[2].to]
    assert len(smtp_server.handler.sessions) == 1


def test_a_dropped_connection_reconnects_once_and_sends_each_message_once(smtp_server):
    smtp_server.handler.drop_after_messages = [2]

    results = send_all(smtp_server.settings(), mails(5))

    assert outcomes(results) == [Outcome.ACCEPTED] * 5
    assert len(smtp_server.handler.sessions) == 2
    assert [m["X-Groupcover-Notice"] for m in smtp_server.handler.messages] == list("12345")


def test_a_server_closing_every_few_messages_gets_them_all(smtp_server):
    smtp_server.handler.drop_after_messages = [2, 4, 6]

    results = send_all(smtp_server.settings(), mails(7))

    assert outcomes(results) == [Outcome.ACCEPTED] * 7
    assert len(smtp_server.handler.sessions) == 4
    assert len(smtp_server.handler.messages) == 7


def test_a_drop_right_after_reconnecting_leaves_the_rest_of_the_batch_for_later(smtp_server):
    smtp_server.handler.drop_after_messages = [1, 1]

    results = send_all(smtp_server.settings(), mails(4))

    assert outcomes(results) == [Outcome.ACCEPTED] + [Outcome.TRANSIENT] * 3
    assert "giving up for this run" in results[1].error
    assert results[1].error == results[3].error
    assert len(smtp_server.handler.messages) == 1
    assert len(smtp_server.handler.sessions) == 2


def test_a_drop_after_the_server_stored_the_message_gives_a_duplicate_with_the_same_id(smtp_server):
    """The documented error side: at most a duplicate, recognisable by its Message-ID."""
    smtp_server.handler.drop_after_data = {2}

    results = send_all(smtp_server.settings(), mails(3))

    assert outcomes(results) == [Outcome.ACCEPTED] * 3
    ids = [m["Message-ID"] for m in smtp_server.handler.messages]
    assert ids == [
        "<notice-1@groupcover.local>",
        "<notice-2@groupcover.local>",
        "<notice-2@groupcover.local>",
        "<notice-3@groupcover.local>",
    ]


def test_login_uses_the_credentials_and_never_logs_the_password(smtp_server, caplog):
    caplog.set_level(logging.DEBUG, logger="groupcover")
    smtp_server.handler.rcpt_replies["member2@example.jp"] = "550 no such user"
    settings = smtp_server.settings(user="mailer", password="s3cret-pw")

    results = send_all(settings, mails(2))

    assert outcomes(results) == [Outcome.ACCEPTED, Outcome.PERMANENT]
    assert smtp_server.handler.logins == [("mailer", "s3cret-pw")]
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("groupcover"))
    assert "notice 2" in ours
    assert "s3cret-pw" not in ours
    assert "s3cret-pw" not in repr(settings)
    assert "member2@example.jp" not in ours


def test_wrong_credentials_leave_the_batch_for_later_with_the_error(smtp_server):
    results = send_all(smtp_server.settings(user="mailer", password="wrong"), mails(2))

    assert outcomes(results) == [Outcome.TRANSIENT] * 2
    assert results[0].error.startswith("535")
    assert smtp_server.handler.messages == []


def test_unknown_security_mode_is_refused():
    with pytest.raises(ValueError, match="SMTP_SECURITY"):
        SmtpSettings(security="tls")  # type: ignore[arg-type]


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 5), (2, 10), (3, 20), (5, 80), (20, 1440)])
def test_retry_delay_doubles_up_to_a_day(attempts, minutes):
    assert retry_delay(attempts) == timedelta(minutes=minutes)


@pytest.mark.parametrize("tls_smtp_server", ["starttls", "ssl"], indirect=True)
def test_tls_modes_encrypt_then_log_in(tls_smtp_server, tls_files):
    settings = tls_smtp_server.settings(user="mailer", password="s3cret-pw")
    with SmtpMailer(settings, ssl_context=tls_files.client_context()) as mailer:
        results = list(mailer.send_batch(mails(2)))

    assert outcomes(results) == [Outcome.ACCEPTED] * 2
    assert tls_smtp_server.handler.logins == [("mailer", "s3cret-pw")]


def test_a_japanese_sender_name_arrives_intact(smtp_server):
    sender = "団体サイバー保険 事務局 <notices@groupcover.example>"
    settings = smtp_server.settings(mail_from=sender)

    assert outcomes(send_all(settings, mails(1))) == [Outcome.ACCEPTED]
    sender = smtp_server.handler.messages[0]["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "団体サイバー保険 事務局",
        "notices@groupcover.example",
    )
