"""The SMTP and send-notices settings: from the app's configuration, checked at start-up."""

import pytest
from flask import Flask

from groupcover.config import ConfigError, Settings, load_config
from groupcover.notices.delivery import delivery_options, smtp_settings

KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "SMTP_SECURITY",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_PORT",
        "SMTP_TIMEOUT",
        "NOTICE_BATCH_SIZE",
        "NOTICE_MAX_ATTEMPTS",
        "NOTICE_LEASE_SECONDS",
    ):
        monkeypatch.delenv(f"GROUPCOVER_{name}", raising=False)
    monkeypatch.delenv("GROUPCOVER_CONFIG", raising=False)


def load(tmp_path, **overrides) -> Settings:
    app = Flask("groupcover", instance_path=str(tmp_path))
    return load_config(app, {"ENCRYPTION_KEY": KEY, **overrides})


def test_defaults_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("GROUPCOVER_SMTP_PORT", "587")
    monkeypatch.setenv("GROUPCOVER_SMTP_USER", "notices")
    monkeypatch.setenv("GROUPCOVER_SMTP_PASSWORD", "pw-from-env")
    config = load(tmp_path)

    settings = smtp_settings(config)
    assert (settings.security, settings.port, settings.user, settings.password) == (
        "starttls",
        587,
        "notices",
        "pw-from-env",
    )
    assert settings.message_id_domain == "groupcover.local"
    assert "pw-from-env" not in repr(settings)
    options = delivery_options(config)
    assert (options.batch_size, options.max_attempts, options.lease.total_seconds()) == (
        100,
        5,
        900,
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("SMTP_SECURITY", "tls", "SMTP_SECURITY: expected one of none, starttls, ssl, got 'tls'"),
        ("NOTICE_MAX_ATTEMPTS", 0, "NOTICE_MAX_ATTEMPTS: expected a whole number of at least 1"),
        ("NOTICE_BATCH_SIZE", "many", "NOTICE_BATCH_SIZE: expected a whole number .*'many'"),
        ("SMTP_TIMEOUT", -1, "SMTP_TIMEOUT: expected a whole number of at least 1, got -1"),
    ],
)
def test_wrong_values_are_refused_at_start(tmp_path, key, value, message):
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, **{key: value})
