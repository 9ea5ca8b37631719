"""Secrets out of text: the one place an error from the vendor becomes words, and the log
filter behind it.

A vendor credential must never reach a log line, a stored run error or an API answer.
``describe`` is how every vendor failure is turned into text (the sync's per-account message,
a crashed run's error); it removes the credentials it is given — also in the escaped forms
Python's ``repr`` would print — and any ``Bearer …`` or ``Authorization …`` fragment, whatever
token it carries. ``RedactingFilter`` applies the fragment rule to every log record the app's
handlers write, tracebacks included, as a second line of defence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
_MIN_SECRET = 4  # shorter values would blank out ordinary words; the patterns still apply
_BEARER = re.compile(r"(?i)\b(bearer)(?:\s|%20|\\[tnr])+[^\s'\"<>,;)\]}]+")
_AUTHORIZATION = re.compile(
    r"""(?ix)\b(proxy-)?(authorization)(['"]?\s*[:=]\s*(?:b?['"])?)[^'"\n,;}\]]*"""
)


def _forms(secret: str) -> set[str]:
    """The secret as it may appear in text: as is, repr-escaped, as escaped bytes."""
    forms = {secret, repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")}
    forms.add(secret.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace"))
    forms.add(repr(secret.encode("utf-8", "surrogatepass"))[2:-1])
    return {form for form in forms if len(form) >= _MIN_SECRET}


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without the given secrets and without any bearer token or Authorization value."""
    for secret in secrets:
        if secret:
            for form in sorted(_forms(secret), key=len, reverse=True):
                text = text.replace(form, REDACTED)
            stripped = secret.strip()
            if stripped != secret and len(stripped) >= _MIN_SECRET:
                text = text.replace(stripped, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _AUTHORIZATION.sub(
        lambda m: f"{m.group(1) or ''}{m.group(2)}{m.group(3)}{REDACTED}", text
    )


def describe(error: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """An error as text fit to log, store and show: its type and message, redacted."""
    return redact(f"{type(error).__name__}: {error}", secrets)


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message or traceback carries a bearer token or an
    Authorization value (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the formatter's to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Put a ``RedactingFilter`` on every handler of ``logger`` (the root logger by default)."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
