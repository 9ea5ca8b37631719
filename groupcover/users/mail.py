"""The sign-in mail, sent through the SMTP settings the notice letters use."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from groupcover.notices.mailer import SmtpSettings

log = logging.getLogger(__name__)


def sign_in_message(name: str, url: str, minutes: int, program_name: str) -> tuple[str, str]:
    """Subject and body (Japanese, then English) of a sign-in link mail."""
    subject = f"【{program_name}】コンソールへのサインイン / Sign in to the console"
    body = (
        f"{name} 様\n\n"
        f"{program_name} のコンソールへは、次のリンクからサインインしてください。\n"
        f"リンクの有効期限は{minutes}分で、一度だけ使えます。\n\n"
        f"{url}\n\n"
        "お心当たりのない場合は、このメールを破棄してください。\n\n"
        "────────────────────────────────────────\n"
        f"Dear {name},\n\n"
        f"Sign in to the {program_name} console with the link above. It works once and "
        f"expires in {minutes} minutes.\n"
        "If you did not ask for it, ignore this mail.\n"
    )
    return subject, body


def send_mail(settings: SmtpSettings, to: str, subject: str, body: str) -> bool:
    """Send one text mail; False (logged without the address) when the server refuses it."""
    msg = MIMEText(body, "plain", "utf-8")
    name, address = parseaddr(settings.mail_from)
    msg["From"] = formataddr((name, address), charset="utf-8") if name else address
    msg["To"] = to
    msg["Subject"] = Header(subject, "utf-8")
    msg["Message-ID"] = make_msgid(domain=settings.message_id_domain)
    msg["Date"] = formatdate(usegmt=True)
    msg["Auto-Submitted"] = "auto-generated"
    try:
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(msg, from_addr=address or settings.mail_from, to_addrs=[to])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("sign-in mail not sent: %s", type(exc).__name__)
        return False
    return True
