"""The one place settings come from.

Defaults below, then the TOML file named by ``GROUPCOVER_CONFIG``, then ``GROUPCOVER_<KEY>``
environment variables, then the overrides a caller (a test) passes. Validated once at start-up.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from flask import Flask

EXAMPLE_ENCRYPTION_KEY = "change-me-to-a-fernet-key-generated-with-cryptography"

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "DATABASE_URL": None,  # becomes sqlite:///<instance>/groupcover.db
    "TIMEZONE": "Asia/Tokyo",
    "ENCRYPTION_KEY": None,
    "VENDOR_API_URL": "http://127.0.0.1:8001",
    "VENDOR_ACCOUNT_IDS": "",
    "VENDOR_CONNECT_TIMEOUT": 5,
    "VENDOR_READ_TIMEOUT": 30,
    "VENDOR_RETRIES": 3,
    "VENDOR_BACKOFF_FACTOR": 0.5,
    "VENDOR_MAX_RETRY_AFTER": 5,
    "VENDOR_REQUESTS_PER_MINUTE": 120,
    "SYNC_CONCURRENCY": 8,
    "SYNC_LEASE_SECONDS": 600,
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 1025,
    "MAIL_FROM": "groupcover@localhost",
    "SMTP_SECURITY": "none",
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TIMEOUT": 30,
    "MAIL_MESSAGE_ID_DOMAIN": "groupcover.local",
    "NOTICE_BATCH_SIZE": 100,
    "NOTICE_MAX_ATTEMPTS": 5,
    "NOTICE_LEASE_SECONDS": 900,
    "NOTICE_CONNECTIONS": 8,
    "LOG_LEVEL": "INFO",
    "DB_POOL_SIZE": 5,
    "TOKEN_CACHE_SECONDS": 5,
}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, file, environment and overrides, then validate."""
    app.config.from_mapping(DEFAULTS)
    path = os.environ.get("GROUPCOVER_CONFIG")
    if path:
        if not Path(path).is_file():
            raise ConfigError(f"GROUPCOVER_CONFIG names {path!r}, which is not a file")
        try:  # absolute: Flask would read a relative path from the instance folder
            app.config.from_file(str(Path(path).resolve()), load=tomllib.load, text=False)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"GROUPCOVER_CONFIG: {path} is not valid TOML: {exc}") from exc
    app.config.from_prefixed_env("GROUPCOVER", loads=_loads)
    app.config.from_mapping(overrides or {})
    _validate(app)


def _loads(value: str) -> Any:
    """Environment values: integers become int, everything else stays a string."""
    return int(value) if value.isdigit() else value


def _validate(app: Flask) -> None:
    cfg = app.config
    production = cfg["ENV"] == "production"
    if not cfg["DATABASE_URL"]:
        if production:
            raise ConfigError("DATABASE_URL must be set in production")
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'groupcover.db'}"
    try:
        ZoneInfo(cfg["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TIMEZONE {cfg['TIMEZONE']!r} is not an IANA time zone") from exc
    try:
        cfg["SMTP_PORT"] = int(cfg["SMTP_PORT"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("SMTP_PORT must be a whole number") from exc
    if cfg["SMTP_SECURITY"] not in ("none", "starttls", "ssl"):
        raise ConfigError("SMTP_SECURITY must be none, starttls or ssl")
    for key in (
        "SMTP_TIMEOUT",
        "NOTICE_BATCH_SIZE",
        "NOTICE_MAX_ATTEMPTS",
        "NOTICE_LEASE_SECONDS",
        "NOTICE_CONNECTIONS",
    ):
        if not str(cfg[key]).isdigit() or int(cfg[key]) < 1:
            raise ConfigError(f"{key} must be a whole number of at least 1")
    if not str(cfg["TOKEN_CACHE_SECONDS"]).isdigit():
        raise ConfigError("TOKEN_CACHE_SECONDS must be a whole number (0 turns the cache off)")
    cfg["TOKEN_CACHE_SECONDS"] = int(cfg["TOKEN_CACHE_SECONDS"])
    cfg["ENCRYPTION_KEY"] = _encryption_key(app, production)


def _encryption_key(app: Flask, production: bool) -> str:
    """The Fernet key; outside production one is generated once and kept under instance/."""
    key = app.config["ENCRYPTION_KEY"]
    if key == EXAMPLE_ENCRYPTION_KEY:
        raise ConfigError("ENCRYPTION_KEY is the example value: generate a real key")
    if not key:
        if production:
            raise ConfigError("ENCRYPTION_KEY must be set in production")
        key_file = Path(app.instance_path) / "encryption.key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(Fernet.generate_key().decode())
            key_file.chmod(0o600)
        key = key_file.read_text().strip()
    try:
        Fernet(key)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            "ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)"
        ) from exc
    return key
