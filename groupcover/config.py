"""The one place settings come from: one typed ``Settings`` object, built once at start-up.

Defaults (the fields below), then the TOML file named by ``GROUPCOVER_CONFIG``, then
``GROUPCOVER_<KEY>`` environment variables, then the overrides a caller (a test) passes to
``create_app``. Every value is checked here, and a wrong one stops every command and the web
app with one message naming the key, what was expected and what was given::

    VENDOR_RETRIES: expected a whole number of at least 0, got 'lots' (from GROUPCOVER_…)

The validated object is ``settings()`` (``app.extensions``); ``app.config`` holds the same typed
values for Flask, flask-smorest and older readers. Nothing else parses a setting: services get
plain values or small option objects mapped from ``Settings``. Tests change settings through
``update_settings``, which validates again.
"""

from __future__ import annotations

import os
import secrets
import tomllib
import types
import typing
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from annotated_types import Ge, Gt, Le
from cryptography.fernet import Fernet
from flask import Flask, current_app
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

EXAMPLE_ENCRYPTION_KEY = "change-me-to-a-fernet-key-generated-with-cryptography"
EXAMPLE_SECRET_KEY = "change-me-to-a-long-random-string"
ENV_PREFIX = "GROUPCOVER_"
_EXTENSION = "groupcover.settings"
_SECRETS = frozenset({"ENCRYPTION_KEY", "SMTP_PASSWORD", "SECRET_KEY"})


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]


class Settings(BaseModel):
    """Every setting of groupcover, one field per key (the key is the field's name).

    ``config.example.toml`` documents each with its default; a test keeps the two in step.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    # --- general -------------------------------------------------------------------------
    ENV: Literal["development", "testing", "production"] = Field(
        "development", description="production refuses to start without DATABASE_URL and a key"
    )
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    TIMEZONE: str = Field("Asia/Tokyo", description="the program's IANA time zone")

    # --- database ------------------------------------------------------------------------
    DATABASE_URL: OptionalText = Field(
        None, description="SQLAlchemy URL; unset: sqlite:///<instance>/groupcover.db"
    )
    DB_POOL_SIZE: int = Field(5, ge=1, description="connections per process (PostgreSQL)")
    DB_POOL_TIMEOUT: int = Field(30, ge=1, description="seconds to wait for a free connection")
    COVERAGE_COUNT_CACHE_ENTRIES: int = Field(
        10_000, ge=0, description="counts of big coverage answers kept per process; 0 = off"
    )
    COVERAGE_COUNT_CACHE_SECONDS: int = Field(
        300, ge=1, description="longest a kept count is used (bounds edits made outside the app)"
    )

    # --- security ------------------------------------------------------------------------
    ENCRYPTION_KEY: OptionalText = Field(
        None, repr=False, description="Fernet key; unset outside production: generated once"
    )
    TOKEN_CACHE_SECONDS: int = Field(5, ge=0, description="reuse a checked token for reads")
    MAX_REQUEST_BYTES: int = Field(
        1024 * 1024, ge=1024, description="request body limit (413 above it)"
    )
    MAX_IMPORT_BYTES: int = Field(
        32 * 1024 * 1024, ge=1024, description="body limit of the CSV endpoints (@large_body)"
    )
    HSTS_SECONDS: int = Field(0, ge=0, description="Strict-Transport-Security max-age; 0 = off")
    TOKEN_DAYS: int = Field(365, ge=1, description="a new token's lifetime unless told")
    AUTH_FAILURES_PER_MINUTE: int = Field(
        20, ge=1, description="failed authentications per client address and minute"
    )
    TRUSTED_PROXIES: int = Field(0, ge=0, description="proxies whose X-Forwarded-For counts")

    # --- vendor API ----------------------------------------------------------------------
    VENDOR_API_URL: str = "http://127.0.0.1:8001"
    VENDOR_ACCOUNT_IDS: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = ()
    VENDOR_CONNECT_TIMEOUT: float = Field(5.0, gt=0)
    VENDOR_READ_TIMEOUT: float = Field(30.0, gt=0)
    VENDOR_RETRIES: int = Field(3, ge=0)
    VENDOR_BACKOFF_FACTOR: float = Field(0.5, ge=0)
    VENDOR_MAX_RETRY_AFTER: float = Field(5.0, ge=0)
    VENDOR_REQUESTS_PER_MINUTE: int = Field(
        120, ge=1, le=150, description="the vendor blocks a token for an hour past 150"
    )

    # --- supplier sync -------------------------------------------------------------------
    SYNC_CONCURRENCY: int = Field(8, ge=1)
    SYNC_LEASE_SECONDS: int = Field(600, ge=30)

    # --- mail (SMTP) ---------------------------------------------------------------------
    SMTP_HOST: str = "127.0.0.1"
    SMTP_PORT: int = Field(1025, ge=1, le=65535)
    SMTP_SECURITY: Literal["none", "starttls", "ssl"] = "none"
    SMTP_USER: OptionalText = None
    SMTP_PASSWORD: OptionalText = Field(None, repr=False)
    SMTP_TIMEOUT: int = Field(30, ge=1)
    MAIL_FROM: str = "groupcover@localhost"
    MAIL_MESSAGE_ID_DOMAIN: str = "groupcover.local"

    # --- notice delivery -----------------------------------------------------------------
    NOTICE_BATCH_SIZE: int = Field(100, ge=1)
    NOTICE_MAX_ATTEMPTS: int = Field(5, ge=1)
    NOTICE_LEASE_SECONDS: int = Field(900, ge=1)
    NOTICE_CONNECTIONS: int = Field(12, ge=1, description="SMTP connections a run uses at once")

    # --- worker (flask worker) -----------------------------------------------------------
    SYNC_INTERVAL_MINUTES: int = Field(60, ge=0, description="scheduled sync; 0 turns it off")
    NOTICE_INTERVAL_MINUTES: int = Field(5, ge=0, description="notice delivery; 0: off")
    WORKER_POLL_SECONDS: float = Field(5.0, gt=0, description="how often a worker looks")

    # --- console (web pages for people) -------------------------------------------------
    SECRET_KEY: OptionalText = Field(
        None, repr=False, description="signs console sessions; unset outside production: generated"
    )
    CONSOLE_BASE_URL: str = Field(
        "http://127.0.0.1:8000", description="where sign-in links and letters point"
    )
    SIGN_IN_LINK_MINUTES: int = Field(15, ge=1)
    SIGN_IN_THROTTLE_PER_EMAIL: int = Field(5, ge=1)
    SIGN_IN_THROTTLE_PER_ADDRESS: int = Field(20, ge=1)
    SIGN_IN_THROTTLE_MINUTES: int = Field(15, ge=1)
    SESSION_IDLE_MINUTES: int = Field(120, ge=1)
    SESSION_MAX_HOURS: int = Field(12, ge=1)

    @field_validator("SECRET_KEY")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value == EXAMPLE_SECRET_KEY:
            raise ValueError("a real key, not the example value: generate one")
        return value

    @field_validator("CONSOLE_BASE_URL")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _level_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("TIMEZONE")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone such as Asia/Tokyo") from exc
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                make_url(value)
            except ArgumentError as exc:
                raise ValueError("an SQLAlchemy URL such as postgresql+psycopg://…") from exc
        return value

    @field_validator("ENCRYPTION_KEY")
    @classmethod
    def _fernet(cls, value: str | None) -> str | None:
        if value == EXAMPLE_ENCRYPTION_KEY:
            raise ValueError("a real key, not the example value: generate one")
        if value is not None:
            try:
                Fernet(value)
            except (ValueError, TypeError) as exc:
                raise ValueError("a valid Fernet key (32 url-safe base64-encoded bytes)") from exc
        return value

    @field_validator("VENDOR_API_URL")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value


def settings() -> Settings:
    """The current app's settings."""
    return current_app.extensions[_EXTENSION]


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings from defaults, file, environment and overrides; fill ``app.config``.

    Raises ConfigError (one message, every wrong key) before anything else starts.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    path = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if path:
        _read_file(app, Path(path), values, sources)
    for name, value in os.environ.items():
        key = name.removeprefix(ENV_PREFIX)
        if name.startswith(ENV_PREFIX) and key in Settings.model_fields:
            values[key], sources[key] = value, name
    flask_keys: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if key in Settings.model_fields:
            values[key], sources[key] = value, "create_app"
        else:
            flask_keys[key] = value  # Flask's own keys (TESTING, ...), not ours to check
    app.config.update(flask_keys)
    built = _validate(values, sources)
    built = _complete(app, built)
    _install(app, built)
    return built


def update_settings(app: Flask, **changes: Any) -> Settings:
    """Change some settings of a running app (tests), validated like at start-up."""
    current: Settings = app.extensions[_EXTENSION]
    values = {**current.model_dump(), **changes}
    built = _validate(values, {key: "update_settings" for key in changes})
    _install(app, built)
    return built


def _install(app: Flask, built: Settings) -> None:
    app.extensions[_EXTENSION] = built
    app.config.update(built.model_dump())
    # The console's session cookie: signed with SECRET_KEY, lifetimes from the settings.
    app.config.update(
        SESSION_COOKIE_NAME="groupcover_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=built.ENV == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=built.SESSION_MAX_HOURS),
    )
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session


def _read_file(app: Flask, path: Path, values: dict[str, Any], sources: dict[str, str]) -> None:
    if not path.is_file():
        raise ConfigError(f"GROUPCOVER_CONFIG names {str(path)!r}, which is not a file")
    try:  # relative to the working directory, not Flask's instance folder
        with path.resolve().open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"GROUPCOVER_CONFIG: {path} is not valid TOML: {exc}") from exc
    unknown = sorted(k for k in data if k not in Settings.model_fields and k not in app.config)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)} (config.example.toml lists them all)"
        )
    for key, value in data.items():
        if key in Settings.model_fields:
            values[key], sources[key] = value, str(path)
        else:
            app.config[key] = value


def _validate(values: dict[str, Any], sources: dict[str, str]) -> Settings:
    try:
        built = Settings.model_validate(values)
    except ValidationError as exc:
        lines = [_message(error, sources) for error in exc.errors()]
        raise ConfigError("\n".join(dict.fromkeys(lines))) from None
    if built.ENV == "production":
        for key in ("DATABASE_URL", "ENCRYPTION_KEY", "SECRET_KEY"):
            if getattr(built, key) is None:
                raise ConfigError(f"{key}: must be set in production (ENV = 'production')")
        if len(built.SECRET_KEY or "") < 32:
            raise ConfigError("SECRET_KEY: must be at least 32 characters in production")
    return built


def _message(error: Any, sources: dict[str, str]) -> str:
    key = str(error["loc"][0]) if error["loc"] else "settings"
    value = error.get("input")
    got = "a value not shown here (a secret)" if key in _SECRETS else repr(value)
    source = f" (from {sources[key]})" if key in sources else ""
    custom = error["type"] == "value_error"  # our validators say what they expect
    expected = str(error["ctx"]["error"]) if custom else expectation(key)
    return f"{key}: expected {expected}, got {got}{source}"


def expectation(key: str) -> str:
    """What a key takes, in words: 'a whole number of at least 1', 'one of none, ssl'."""
    field = Settings.model_fields[key]
    kind: Any = field.annotation
    if typing.get_origin(kind) is Annotated:
        kind = typing.get_args(kind)[0]
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(str(choice) for choice in typing.get_args(kind))
    optional = typing.get_origin(kind) in (typing.Union, types.UnionType)
    if optional:
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    names: dict[Any, str] = {int: "a whole number", float: "a number", str: "text"}
    words = names.get(kind, "a list of text")
    bounds = []
    for rule in field.metadata:
        if isinstance(rule, Ge):
            bounds.append(f"at least {rule.ge}")
        elif isinstance(rule, Gt):
            bounds.append(f"above {rule.gt}")
        elif isinstance(rule, Le):
            bounds.append(f"at most {rule.le}")
    if bounds:
        words += " of " + " and ".join(bounds)
    return words + (" (or nothing)" if optional else "")


def _complete(app: Flask, built: Settings) -> Settings:
    """Outside production: a SQLite file and a generated key under instance/ when unset."""
    filled: dict[str, Any] = {}
    if built.DATABASE_URL is None:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        filled["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'groupcover.db'}"
    if built.ENCRYPTION_KEY is None:
        filled["ENCRYPTION_KEY"] = _generated_key(Path(app.instance_path))
    if built.SECRET_KEY is None:
        filled["SECRET_KEY"] = _generated_secret(Path(app.instance_path))
    return built.model_copy(update=filled) if filled else built


def _generated_key(instance: Path) -> str:
    key_file = instance / "encryption.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(Fernet.generate_key().decode())
        key_file.chmod(0o600)
    key = key_file.read_text().strip()
    try:
        Fernet(key)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"ENCRYPTION_KEY: the key kept in {key_file} is not a Fernet key"
        ) from exc
    return key


def _generated_secret(instance: Path) -> str:
    """The console's session key outside production: generated once, kept under instance/."""
    key_file = instance / "secret.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
