"""SMTP delivery of notice letters with the standard library's smtplib.

One connection is reused across a batch. Each message gets a stable Message-ID derived from the
notice id, so a letter sent twice (see the README: a crash between the server's accept and the
status update) is recognisably the same letter. Every message ends in one of three outcomes:
accepted, transient failure (4xx, connection trouble: retry later with backoff) or permanent
failure (5xx: retrying will not help). The SMTP password and the recipients' addresses are
never logged.
"""

import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from enum import StrEnum
from typing import Literal

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver mail (config keys SMTP_* and MAIL_FROM)."""

    host: str = "localhost"
    port: int = 25
    security: Security = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    mail_from: str = "groupcover@localhost"
    message_id_domain: str = "groupcover.local"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in ("none", "starttls", "ssl"):
            raise ValueError(f"SMTP_SECURITY must be none, starttls or ssl, not {self.security!r}")


@dataclass(frozen=True)
class OutgoingMail:
    """One notice letter for one recipient."""

    notice_id: int
    to: str
    subject: str
    body: str
    resend: int = 0


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class DeliveryResult:
    """One attempt: its outcome, the server's reply and the exact bytes handed to it.

    ``error`` is the reply of a refusal (None once accepted); ``reply`` is the server's last
    reply to the message in either case (e.g. ``250 2.0.0 Ok: queued as …``).
    """

    notice_id: int
    outcome: Outcome
    error: str | None = None
    to: str = ""
    message: bytes | None = field(default=None, repr=False)
    reply: str | None = None


def message_id(notice_id: int, domain: str, resend: int = 0) -> str:
    """The Message-ID of a notice: the same on every attempt, e.g. <notice-42@groupcover.local>.

    A resend is a new message (mail clients drop a second copy with a known Message-ID), so
    its n-th resend is <notice-42.n@…>, again stable over that resend's retries.
    """
    suffix = f".{resend}" if resend else ""
    return f"<notice-{notice_id}{suffix}@{domain}>"


def retry_delay(attempts: int, base: timedelta = timedelta(minutes=5)) -> timedelta:
    """Backoff after ``attempts`` failed attempts: 5, 10, 20 … minutes, at most one day."""
    return min(base * (2 ** max(attempts - 1, 0)), timedelta(days=1))


def build_message(settings: SmtpSettings, mail: OutgoingMail) -> MIMEText:
    """A text/plain UTF-8 (base64) message with the notice's stable Message-ID.

    Built with the compat32 classes: several times cheaper than ``EmailMessage`` with the
    default policy, which matters when a run sends thousands of letters.
    """
    msg = MIMEText(mail.body, "plain", "utf-8")
    name, address = parseaddr(settings.mail_from)
    msg["From"] = formataddr((name, address), charset="utf-8") if name else address
    msg["To"] = mail.to
    msg["Subject"] = Header(mail.subject, "utf-8")
    msg["Message-ID"] = message_id(mail.notice_id, settings.message_id_domain, mail.resend)
    msg["Date"] = formatdate(usegmt=True)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Groupcover-Notice"] = str(mail.notice_id)
    return msg


_WIRE = policy.compat32.clone(linesep="\r\n")


def message_bytes(settings: SmtpSettings, mail: OutgoingMail) -> bytes:
    """The message exactly as it goes over SMTP: CRLF line ends, ending in CRLF.

    Built once per attempt; these bytes are handed to ``sendmail`` unchanged (smtplib only
    dot-stuffs them on the wire, which the server undoes) and the same bytes are stored as the
    proof of notice.
    """
    data = build_message(settings, mail).as_bytes(policy=_WIRE)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class _ReplyMixin:
    """Keeps the server's reply to DATA, which ``sendmail`` otherwise discards."""

    last_data_reply: str | None = None

    def data(self, msg):  # type: ignore[no-untyped-def]
        code, text = super().data(msg)  # type: ignore[misc]
        self.last_data_reply = _reply_text(code, text)
        return code, text


class _SMTP(_ReplyMixin, smtplib.SMTP):
    pass


class _SMTP_SSL(_ReplyMixin, smtplib.SMTP_SSL):  # noqa: N801
    pass


def _envelope_sender(settings: SmtpSettings) -> str:
    return parseaddr(settings.mail_from)[1] or settings.mail_from


def _reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def classify(exc: Exception) -> tuple[Outcome, str]:
    """Map an smtplib exception to an outcome and the server's error text."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _by_code(code), _reply_text(code, text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code), _reply_text(exc.smtp_code, exc.smtp_error)
    return Outcome.TRANSIENT, f"{type(exc).__name__}: {exc}"


def _by_code(code: int) -> Outcome:
    return Outcome.PERMANENT if 500 <= code < 600 else Outcome.TRANSIENT


SmtpFactory = Callable[[SmtpSettings], smtplib.SMTP]


class SmtpMailer:
    """A batch sender over one SMTP connection; use as a context manager.

    The connection is opened lazily on the first message. When it drops in the middle of a
    batch, the mailer reconnects once and retries the message in flight. Should that fail too
    (no message accepted since the last reconnect), or the server cannot be reached at all, the
    remaining messages fail as transient without further connection attempts, so a dead server
    costs one timeout, not one per message. A server that closes the connection every N
    messages is fine: each accepted message restores the reconnect.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        ssl_context: ssl.SSLContext | None = None,
        max_reconnects: int = 1,
    ) -> None:
        self.settings = settings
        self._ssl_context = ssl_context
        self._max_reconnects = max_reconnects
        self._reconnects_left = max_reconnects
        self._smtp: smtplib.SMTP | None = None
        self._connected_once = False
        self._unreachable: str | None = None

    def __enter__(self) -> "SmtpMailer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def unreachable(self) -> bool:
        """True once the server could not be reached (again): the rest would fail too."""
        return self._unreachable is not None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None

    def send_batch(self, mails: Iterable[OutgoingMail]) -> Iterator[DeliveryResult]:
        """Deliver the mails in order, yielding each result as soon as it is known."""
        for mail in mails:
            yield self.send(mail)

    def send(self, mail: OutgoingMail) -> DeliveryResult:
        """Deliver one mail; never raises for SMTP or network trouble."""
        data = message_bytes(self.settings, mail)

        def result(outcome: Outcome, error: str | None, reply: str | None) -> DeliveryResult:
            return DeliveryResult(mail.notice_id, outcome, error, mail.to, data, reply)

        while True:
            if self._unreachable is not None:
                return result(Outcome.TRANSIENT, self._unreachable, None)
            try:
                smtp = self._connection()
            except (smtplib.SMTPException, OSError) as exc:
                # Connecting, STARTTLS or AUTH failed: nothing is wrong with the message, so
                # it stays transient and the batch is retried once the server or config is fixed.
                self._unreachable = classify(exc)[1]
                log.warning(
                    "SMTP connection to %s:%s failed: %s",
                    self.settings.host,
                    self.settings.port,
                    type(exc).__name__,
                )
                continue
            try:
                smtp.last_data_reply = None  # type: ignore[attr-defined]
                smtp.sendmail(_envelope_sender(self.settings), [mail.to], data)
            except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                # The message in flight is sent again on a new connection: if the server had
                # already accepted it, the recipient gets a duplicate with the same Message-ID.
                log.info(
                    "SMTP connection lost while sending notice %s (%s)",
                    mail.notice_id,
                    type(exc).__name__,
                )
                self._drop()
                continue
            except (smtplib.SMTPException, OSError) as exc:
                outcome, error = classify(exc)
                if smtp.sock is None or not isinstance(exc, smtplib.SMTPException):
                    self._drop()
                log.info("notice %s: %s (%s)", mail.notice_id, outcome, error.split(" ", 1)[0])
                return result(outcome, error, error)
            log.debug("notice %s accepted", mail.notice_id)
            self._reconnects_left = self._max_reconnects
            return result(Outcome.ACCEPTED, None, getattr(smtp, "last_data_reply", None))

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        if self._connected_once:
            if self._reconnects_left <= 0:
                raise smtplib.SMTPServerDisconnected(
                    "connection lost again right after a reconnect; giving up for this run"
                )
            self._reconnects_left -= 1
        s = self.settings
        context = self._ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = _SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = _SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        self._connected_once = True
        return smtp
