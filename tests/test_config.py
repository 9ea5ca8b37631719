"""Settings: defaults with no file, the TOML file named by GROUPCOVER_CONFIG, GROUPCOVER_<KEY>
environment overrides, and a clear ConfigError for every wrong value (API.md "Configuration")."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from groupcover import create_app
from groupcover.config import (
    EXAMPLE_ENCRYPTION_KEY,
    EXAMPLE_SECRET_KEY,
    ConfigError,
    load_config,
)

# fixed, not generated: parametrize ids must be the same in every xdist worker
KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
PG = "postgresql+psycopg://groupcover@db.internal:5432/groupcover"
SECRET = "s" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GROUPCOVER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def _load(instance, overrides=None) -> dict:
    app = Flask("groupcover", instance_path=str(instance), instance_relative_config=True)
    load_config(app, overrides)
    return app.config


def _toml(tmp_path, text: str, name: str = "groupcover.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_with_no_file(instance):
    cfg = _load(instance)
    assert cfg["ENV"] == "development"
    assert cfg["DATABASE_URL"] == f"sqlite:///{instance / 'groupcover.db'}"
    assert cfg["TIMEZONE"] == "Asia/Tokyo"
    assert cfg["SMTP_HOST"] == "127.0.0.1" and cfg["SMTP_PORT"] == 1025
    assert cfg["VENDOR_API_URL"] and cfg["MAIL_FROM"]
    Fernet(cfg["ENCRYPTION_KEY"])  # a usable key


def test_encryption_key_is_generated_once_under_instance(instance):
    first = _load(instance)["ENCRYPTION_KEY"]
    key_file = instance / "encryption.key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _load(instance)["ENCRYPTION_KEY"] == first  # kept, not regenerated
    assert key_file.read_text().strip() == first


def test_configured_key_wins_and_nothing_is_written(instance):
    assert (
        _load(instance, {"ENCRYPTION_KEY": KEY, "DATABASE_URL": "sqlite://"})["ENCRYPTION_KEY"]
        == KEY
    )
    assert not (instance / "encryption.key").exists()


def test_toml_file(tmp_path, instance, monkeypatch):
    path = _toml(
        tmp_path,
        f'''
        DATABASE_URL = "{PG}"
        TIMEZONE = "Europe/London"
        SMTP_HOST = "mail.internal"
        SMTP_PORT = 2525
        MAIL_FROM = "program@example.jp"
        VENDOR_API_URL = "https://vendor.example.com/api"
        ENCRYPTION_KEY = "{KEY}"
    '''.replace("\n        ", "\n"),
    )
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(path))
    cfg = _load(instance)
    assert cfg["DATABASE_URL"] == PG and cfg["TIMEZONE"] == "Europe/London"
    assert (cfg["SMTP_HOST"], cfg["SMTP_PORT"]) == ("mail.internal", 2525)
    assert cfg["MAIL_FROM"] == "program@example.jp"
    assert cfg["VENDOR_API_URL"] == "https://vendor.example.com/api"
    assert cfg["ENCRYPTION_KEY"] == KEY


def test_relative_config_path_is_relative_to_the_working_directory(tmp_path, instance, monkeypatch):
    _toml(tmp_path, 'TIMEZONE = "Europe/Paris"\n', name="local.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GROUPCOVER_CONFIG", "local.toml")
    assert _load(instance)["TIMEZONE"] == "Europe/Paris"


def test_environment_wins_over_file(tmp_path, instance, monkeypatch):
    path = _toml(tmp_path, 'TIMEZONE = "Europe/London"\nSMTP_PORT = 2525\nMAIL_FROM = "a@b.jp"\n')
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(path))
    monkeypatch.setenv("GROUPCOVER_TIMEZONE", "UTC")
    monkeypatch.setenv("GROUPCOVER_SMTP_PORT", "2626")
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    cfg = _load(instance)
    assert cfg["TIMEZONE"] == "UTC"
    assert cfg["SMTP_PORT"] == 2626  # a number, not "2626"
    assert cfg["DATABASE_URL"] == PG
    assert cfg["MAIL_FROM"] == "a@b.jp"  # the file still counts


def test_overrides_win_over_environment(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_TIMEZONE", "UTC")
    assert _load(instance, {"TIMEZONE": "Asia/Seoul"})["TIMEZONE"] == "Asia/Seoul"


@pytest.mark.parametrize(
    ("source", "value"),
    [("env", "Mars/Olympus_Mons"), ("env", ""), ("file", "Tokyo"), ("file", "Asia/Tokyo/x")],
)
def test_bad_timezone(tmp_path, instance, monkeypatch, source, value):
    if source == "env":
        monkeypatch.setenv("GROUPCOVER_TIMEZONE", value)
    else:
        monkeypatch.setenv("GROUPCOVER_CONFIG", str(_toml(tmp_path, f'TIMEZONE = "{value}"\n')))
    with pytest.raises(ConfigError, match=r"TIMEZONE .* is not an IANA time zone"):
        _load(instance)


@pytest.mark.parametrize("key", ["not-a-key", "c2hvcnQ=", KEY[:-2], "x" * 44])
def test_bad_encryption_key(instance, monkeypatch, key):
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", key)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY is not a valid Fernet key"):
        _load(instance)


@pytest.mark.parametrize("env", ["development", "production"])
def test_example_key_is_refused(instance, monkeypatch, env):
    monkeypatch.setenv("GROUPCOVER_ENV", env)
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", EXAMPLE_ENCRYPTION_KEY)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY is the example value"):
        _load(instance)


def test_production_needs_database_url(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENV", "production")
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", KEY)
    with pytest.raises(ConfigError, match="DATABASE_URL must be set in production"):
        _load(instance)
    assert not instance.exists()  # no SQLite file, no key invented


def test_production_needs_encryption_key(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENV", "production")
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY must be set in production"):
        _load(instance)
    assert not (instance / "encryption.key").exists()


def test_production_with_real_settings(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENV", "production")
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("GROUPCOVER_SECRET_KEY", SECRET)
    cfg = _load(instance)
    assert (cfg["DATABASE_URL"], cfg["ENCRYPTION_KEY"]) == (PG, KEY)
    assert cfg["SECRET_KEY"] == SECRET
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_needs_secret_key(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENV", "production")
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set in production"):
        _load(instance)
    monkeypatch.setenv("GROUPCOVER_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32 characters"):
        _load(instance)


@pytest.mark.parametrize("env", ["development", "production"])
def test_example_secret_key_is_refused(instance, monkeypatch, env):
    monkeypatch.setenv("GROUPCOVER_ENV", env)
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("GROUPCOVER_SECRET_KEY", EXAMPLE_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY is the example value"):
        _load(instance)


def test_secret_key_generated_once_outside_production(instance):
    first = _load(instance)
    assert len(first["SECRET_KEY"]) >= 32
    assert first["SESSION_COOKIE_SECURE"] is False
    assert (instance / "secret.key").stat().st_mode & 0o777 == 0o600
    assert _load(instance)["SECRET_KEY"] == first["SECRET_KEY"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("SIGN_IN_LINK_MINUTES", "0"), ("SESSION_IDLE_MINUTES", "soon"), ("CONSOLE_BASE_URL", "x")],
)
def test_console_settings_validated(instance, monkeypatch, key, value):
    monkeypatch.setenv(f"GROUPCOVER_{key}", value)
    with pytest.raises(ConfigError, match=key):
        _load(instance)


def test_missing_config_file(tmp_path, instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(ConfigError, match="GROUPCOVER_CONFIG names .*nowhere.toml"):
        _load(instance)


def test_invalid_toml(tmp_path, instance, monkeypatch):
    path = _toml(tmp_path, 'TIMEZONE = "Asia/Tokyo\nSMTP_PORT = \n')
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(path))
    with pytest.raises(ConfigError, match=r"groupcover.toml is not valid TOML"):
        _load(instance)


@pytest.mark.parametrize("port", ["smtp", "25x"])
def test_bad_smtp_port(instance, monkeypatch, port):
    monkeypatch.setenv("GROUPCOVER_SMTP_PORT", port)
    with pytest.raises(ConfigError, match="SMTP_PORT must be a whole number"):
        _load(instance)


def test_app_starts_without_a_config_file(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "ENCRYPTION_KEY": KEY,
            "LOG_LEVEL": "WARNING",
        }
    )
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and app.config["TIMEZONE"] == "Asia/Tokyo"
