"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what arrives and injects failures.

The fixtures are made available to a test folder by importing them in its conftest.py.
"""

import email
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from ipaddress import ip_address

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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
      as the next message starts (MAIL FROM); each entry is one drop (repeat it to drop again).
    - ``drop_after_data``: the message with this number is stored, then the connection is cut
      before the reply: the client cannot know the message arrived.

    ``raw`` holds each accepted message's bytes exactly as received (after the DATA phase's
    dot-unstuffing), to compare with what the sender stored.
    """

    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    sessions: set[tuple] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: dict[str, str] = field(default_factory=dict)
    drop_after_messages: list[int] = field(default_factory=list)
    drop_after_data: set[int] = field(default_factory=set)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.sessions.add(session.peer)
        if len(self.messages) in self.drop_after_messages:
            self.drop_after_messages.remove(len(self.messages))
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
        self.raw.append(envelope.original_content)
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
    security: str = "none"

    def settings(self, **overrides: object) -> SmtpSettings:
        values: dict = {
            "host": "127.0.0.1",
            "port": self.port,
            "mail_from": "groupcover notices <notices@groupcover.example>",
            "timeout": 5.0,
            "security": self.security,
        }
        values.update(overrides)
        return SmtpSettings(**values)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=handler.authenticate,
        auth_require_tls=False,
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


@dataclass
class TlsFiles:
    cert: str
    key: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cert)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1 that the client is told to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TlsFiles(str(cert_path), str(key_path))


@pytest.fixture
def tls_smtp_server(request, tls_files) -> Iterator[SmtpServer]:
    """An aiosmtpd server requiring STARTTLS (param "starttls") or speaking TLS at once ("ssl")."""
    handler = RecordingHandler()
    port = free_port()
    if request.param == "starttls":
        options = {"tls_context": tls_files.server_context(), "require_starttls": True}
    else:
        # aiosmtpd offers AUTH only after STARTTLS; this socket is TLS from the start.
        options = {"ssl_context": tls_files.server_context(), "auth_require_tls": False}
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate, **options
    )
    controller.start()
    try:
        yield SmtpServer(handler, port, security=request.param)
    finally:
        controller.stop()
