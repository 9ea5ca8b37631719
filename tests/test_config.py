"""Settings: defaults with no file, the TOML file named by GROUPCOVER_CONFIG, GROUPCOVER_<KEY>
environment overrides, and a clear ConfigError for every wrong value (API.md "Configuration")."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from groupcover import create_app
from groupcover.config import (
    EXAMPLE_ENCRYPTION_KEY,
    EXAMPLE_SECRET_KEY,
    ConfigError,
    Settings,
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
    with pytest.raises(
        ConfigError, match=r"TIMEZONE: expected an IANA time zone such as Asia/Tokyo, got "
    ):
        _load(instance)


@pytest.mark.parametrize("key", ["not-a-key", "c2hvcnQ=", KEY[:-2], "x" * 44])
def test_bad_encryption_key(instance, monkeypatch, key):
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", key)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY: expected a valid Fernet key"):
        _load(instance)


@pytest.mark.parametrize("env", ["development", "production"])
def test_example_key_is_refused(instance, monkeypatch, env):
    monkeypatch.setenv("GROUPCOVER_ENV", env)
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", EXAMPLE_ENCRYPTION_KEY)
    with pytest.raises(
        ConfigError, match="ENCRYPTION_KEY: expected a real key, not the example value"
    ):
        _load(instance)


def test_production_needs_database_url(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENV", "production")
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", KEY)
    with pytest.raises(ConfigError, match="DATABASE_URL: must be set in production"):
        _load(instance)
    assert not instance.exists()  # no SQLite file, no key invented


def test_production_needs_encryption_key(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENV", "production")
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY: must be set in production"):
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
    with pytest.raises(ConfigError, match="SECRET_KEY: must be set in production"):
        _load(instance)
    monkeypatch.setenv("GROUPCOVER_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY: must be at least 32 characters"):
        _load(instance)


@pytest.mark.parametrize("env", ["development", "production"])
def test_example_secret_key_is_refused(instance, monkeypatch, env):
    monkeypatch.setenv("GROUPCOVER_ENV", env)
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", PG)
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("GROUPCOVER_SECRET_KEY", EXAMPLE_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY: expected a real key"):
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
    with pytest.raises(
        ConfigError,
        match=f"SMTP_PORT: expected a whole number of at least 1 and at most 65535, got '{port}'",
    ):
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


# --- one typed settings object ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("key", "env_value", "typed"),
    [
        ("VENDOR_RETRIES", "0", 0),
        ("VENDOR_BACKOFF_FACTOR", "0.25", 0.25),
        ("VENDOR_READ_TIMEOUT", "7", 7.0),
        ("VENDOR_REQUESTS_PER_MINUTE", "150", 150),
        ("VENDOR_ACCOUNT_IDS", "acct-a, acct-b,,acct-c ", ("acct-a", "acct-b", "acct-c")),
        ("VENDOR_ACCOUNT_IDS", "", ()),
        ("SMTP_USER", "", None),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("SYNC_INTERVAL_MINUTES", "0", 0),
        ("WORKER_POLL_SECONDS", "0.5", 0.5),
    ],
)
def test_environment_strings_become_typed_values(instance, monkeypatch, key, env_value, typed):
    monkeypatch.setenv(f"GROUPCOVER_{key}", env_value)
    app = Flask("groupcover", instance_path=str(instance))
    settings = load_config(app, {"ENCRYPTION_KEY": KEY})
    assert getattr(settings, key) == typed
    assert app.config[key] == typed  # app.config holds the same typed value


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "VENDOR_RETRIES",
            "lots",
            "VENDOR_RETRIES: expected a whole number of at least 0, got 'lots'",
        ),
        ("VENDOR_RETRIES", "-1", "VENDOR_RETRIES: expected a whole number of at least 0, got '-1'"),
        (
            "VENDOR_RETRIES",
            "2.5",
            "VENDOR_RETRIES: expected a whole number of at least 0, got '2.5'",
        ),
        ("VENDOR_READ_TIMEOUT", "0", "VENDOR_READ_TIMEOUT: expected a number of above 0, got '0'"),
        (
            "VENDOR_REQUESTS_PER_MINUTE",
            "151",
            "VENDOR_REQUESTS_PER_MINUTE: expected a whole number of at least 1 and at most 150",
        ),
        ("VENDOR_API_URL", "ftp://vendor", "VENDOR_API_URL: expected an http:// or https:// URL"),
        ("SYNC_LEASE_SECONDS", "29", "SYNC_LEASE_SECONDS: expected a whole number of at least 30"),
        ("SYNC_INTERVAL_MINUTES", "hourly", "SYNC_INTERVAL_MINUTES: expected a whole number"),
        ("ENV", "staging", "ENV: expected one of development, testing, production, got 'staging'"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("TOKEN_CACHE_SECONDS", "-1", "TOKEN_CACHE_SECONDS: expected a whole number of at least 0"),
    ],
)
def test_a_wrong_value_stops_create_app_naming_key_type_and_value(
    tmp_path, monkeypatch, key, value, message
):
    monkeypatch.setenv(f"GROUPCOVER_{key}", value)
    with pytest.raises(ConfigError) as caught:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "ENCRYPTION_KEY": KEY})
    assert str(caught.value).startswith(message)
    assert str(caught.value).endswith(f"(from GROUPCOVER_{key})")
    assert "\n" not in str(caught.value)  # one key wrong: one line


def test_every_wrong_key_is_named_in_one_message_with_where_it_came_from(
    tmp_path, instance, monkeypatch
):
    path = _toml(tmp_path, 'SMTP_PORT = "twenty-five"\nMAIL_FROM = 5\n')
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(path))
    monkeypatch.setenv("GROUPCOVER_NOTICE_BATCH_SIZE", "many")
    with pytest.raises(ConfigError) as caught:
        _load(instance, {"SYNC_CONCURRENCY": 0})
    assert str(caught.value).splitlines() == [
        "SYNC_CONCURRENCY: expected a whole number of at least 1, got 0 (from create_app)",
        "SMTP_PORT: expected a whole number of at least 1 and at most 65535, got 'twenty-five'"
        f" (from {path})",
        f"MAIL_FROM: expected text, got 5 (from {path})",
        "NOTICE_BATCH_SIZE: expected a whole number of at least 1, got 'many'"
        " (from GROUPCOVER_NOTICE_BATCH_SIZE)",
    ]


def test_database_url_must_be_a_url(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_DATABASE_URL", "not a url")
    with pytest.raises(ConfigError, match="DATABASE_URL: expected an SQLAlchemy URL"):
        _load(instance)
    assert not instance.exists()


def test_secrets_are_never_echoed(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_ENCRYPTION_KEY", "my-secret-but-wrong-key")
    with pytest.raises(ConfigError) as caught:
        _load(instance)
    assert "my-secret-but-wrong-key" not in str(caught.value)
    assert "ENCRYPTION_KEY: expected a valid Fernet key" in str(caught.value)


def test_unknown_key_in_the_file_is_refused(tmp_path, instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(_toml(tmp_path, "VENDOR_RETRYS = 3\n")))
    with pytest.raises(ConfigError, match="unknown setting.*VENDOR_RETRYS"):
        _load(instance)


def test_unknown_environment_variables_are_not_settings(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_TEST_DATABASE_URL", "postgresql+psycopg://x@y/z")
    assert "TEST_DATABASE_URL" not in _load(instance)


def test_update_settings_validates_again_and_keeps_the_old_values_on_error(tmp_path):
    from groupcover.config import update_settings

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "ENCRYPTION_KEY": KEY})
    with pytest.raises(ConfigError, match="VENDOR_RETRIES: expected a whole number"):
        update_settings(app, VENDOR_RETRIES="lots")
    assert app.extensions["groupcover.settings"].VENDOR_RETRIES == 3
    update_settings(app, VENDOR_RETRIES="7")
    assert app.extensions["groupcover.settings"].VENDOR_RETRIES == 7 == app.config["VENDOR_RETRIES"]


def test_config_example_documents_every_key_with_its_default():
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    example = tomllib.loads(text)
    for name, field in Settings.model_fields.items():
        if field.default is None:  # optional keys are shown commented out
            assert re.search(rf"^# {name} = ", text, re.MULTILINE), name
        else:
            assert name in example, f"{name} missing from config.example.toml"
            typed = Settings.model_validate({name: example[name]})
            assert getattr(typed, name) == field.default, name
    assert set(example) <= set(Settings.model_fields)


def test_config_example_loads_as_it_is(instance, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_CONFIG", str(ROOT / "config.example.toml"))
    assert _load(instance)["TIMEZONE"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    "command", [["migrate"], ["send-notices"], ["worker", "--once"], ["sync-suppliers"]]
)
def test_commands_refuse_to_start_with_one_message(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPCOVER_")}
    env.update(
        GROUPCOVER_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        GROUPCOVER_ENCRYPTION_KEY=KEY,
        GROUPCOVER_VENDOR_RETRIES="lots",
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "groupcover: configuration error:",
        "VENDOR_RETRIES: expected a whole number of at least 0, got 'lots'"
        " (from GROUPCOVER_VENDOR_RETRIES)",
    ]
    assert not (tmp_path / "x.db").exists()  # nothing started


def test_notice_connections_default_and_refusal(instance, monkeypatch):
    assert _load(instance)["NOTICE_CONNECTIONS"] == 12
    monkeypatch.setenv("GROUPCOVER_NOTICE_CONNECTIONS", "0")
    with pytest.raises(
        ConfigError, match="NOTICE_CONNECTIONS: expected a whole number of at least 1"
    ):
        _load(instance)
