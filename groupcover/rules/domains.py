"""How a supplier is identified across members: its normalised primary domain."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
# Two labels or more, matched whole in one go (the sync maps 100,000 domains per run).
_HOST = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")


def normalise_domain(value: str) -> str:
    """Lower case, no scheme, no ``www.``, no path, port or trailing dot.

    ``https://WWW.Example.co.jp/login`` → ``example.co.jp``. Raises ValueError when what is
    left is not a host name with at least two labels.
    """
    text = (value or "").strip().lower()
    scheme = _SCHEME.match(text) if "://" in text else None
    if scheme:
        text = text[scheme.end() :]
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    if not text.isascii():  # the label checks below cover what the idna codec checks
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"not a domain name: {value!r}") from exc
    if len(text) > 253 or not _HOST.fullmatch(text):
        raise ValueError(f"not a domain name: {value!r}")
    return text
