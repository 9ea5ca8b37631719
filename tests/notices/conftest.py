"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what arrives and injects failures."""

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from groupcover.notices.mailer import SmtpSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RecordingHandler:
    """Records accepted messages; the fields below inject failures.

    - ``rcpt_replies`` / ``data_replies``: recipient address → reply (e.g. "550 5.1.1 unknown")
      given at RCPT TO or at the end of DATA for that recipient.
    - ``drop_after_messages``: when this many messages have been stored, the connection is cut
      as the next message starts (MAIL FROM); each drop happens once.
    - ``drop_after_data``: the message with this number is stored, then the connection is cut
      before the reply: the client cannot know the message arrived.
    """

    messages: list[EmailMessage] = field(default_factory=list)
    sessions: set[tuple] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: dict[str, str] = field(default_factory=dict)
    drop_after_messages: set[int] = field(default_factory=set)
    drop_after_data: set[int] = field(default_factory=set)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.sessions.add(session.peer)
        if len(self.messages) in self.drop_after_messages:
            self.drop_after_messages.discard(len(self.messages))
            server.transport.abort()
            return "421 dropped"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.data_replies:
                return self.data_replies[rcpt]
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        if len(self.messages) in self.drop_after_data:
            server.transport.abort()
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            self.logins.append((user, password))
            return AuthResult(success=(user, password) == ("mailer", "s3cret-pw"), handled=False)
        return AuthResult(success=False, handled=False)


@dataclass
class SmtpServer:
    handler: RecordingHandler
    port: int

    def settings(self, **overrides: object) -> SmtpSettings:
        values: dict = {
            "host": "127.0.0.1",
            "port": self.port,
            "mail_from": "groupcover notices <notices@groupcover.example>",
            "timeout": 5.0,
        }
        values.update(overrides)
        return SmtpSettings(**values)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port,
        authenticator=handler.authenticate, auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer(handler, port)
    finally:
        controller.stop()


@pytest.fixture
def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused."""
    return free_port()
