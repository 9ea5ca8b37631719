"""How a supplier is identified across members: its normalised primary domain."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_domain(value: str) -> str:
    """Lower case, no scheme, no ``www.``, no path, port or trailing dot.

    ``https://WWW.Example.co.jp/login`` → ``example.co.jp``. Raises ValueError when what is
    left is not a host name with at least two labels.
    """
    text = (value or "").strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    if not text.isascii():  # the label checks below cover what the idna codec checks
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"not a domain name: {value!r}") from exc
    labels = text.split(".")
    if len(labels) < 2 or len(text) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"not a domain name: {value!r}")
    return text
