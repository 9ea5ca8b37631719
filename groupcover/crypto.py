"""Encryption at rest for credentials and personal data (Fernet, key from config)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from groupcover import config


def _fernet() -> Fernet:
    fernet = current_app.extensions.get("groupcover.fernet")
    if fernet is None:
        fernet = Fernet(config.settings().ENCRYPTION_KEY or "")
        current_app.extensions["groupcover.fernet"] = fernet
    return fernet


def encrypt(plain: str) -> str:
    """Encrypt text; the result is ASCII and safe to store in a text column."""
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt what ``encrypt`` produced; a wrong key raises ``ValueError``."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong ENCRYPTION_KEY or corrupted value") from exc
