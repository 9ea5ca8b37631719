"""The settings issue 10 adds: defaults, environment values, refusals at start-up."""

from __future__ import annotations

import os

import pytest
from flask import Flask

from groupcover.config import ConfigError, load_config

KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
KEYS = (
    "TOKEN_DAYS",
    "AUTH_FAILURES_PER_MINUTE",
    "TRUSTED_PROXIES",
    "DB_POOL_SIZE",
    "DB_POOL_TIMEOUT",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GROUPCOVER_"):
            monkeypatch.delenv(name)


def _load(tmp_path, overrides=None) -> dict:
    app = Flask("groupcover", instance_path=str(tmp_path / "instance"))
    load_config(app, {"ENCRYPTION_KEY": KEY, **(overrides or {})})
    return app.config


def test_defaults(tmp_path):
    config = _load(tmp_path)
    assert [config[key] for key in KEYS] == [365, 20, 0, 5, 30]


def test_environment_values_become_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUPCOVER_TOKEN_DAYS", "90")
    monkeypatch.setenv("GROUPCOVER_AUTH_FAILURES_PER_MINUTE", "5")
    monkeypatch.setenv("GROUPCOVER_TRUSTED_PROXIES", "1")
    config = _load(tmp_path)
    assert (
        config["TOKEN_DAYS"],
        config["AUTH_FAILURES_PER_MINUTE"],
        config["TRUSTED_PROXIES"],
    ) == (
        90,
        5,
        1,
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TOKEN_DAYS", 0),
        ("TOKEN_DAYS", "a year"),
        ("AUTH_FAILURES_PER_MINUTE", 0),
        ("AUTH_FAILURES_PER_MINUTE", -5),
        ("TRUSTED_PROXIES", -1),
        ("DB_POOL_SIZE", 0),
        ("DB_POOL_TIMEOUT", "soon"),
    ],
)
def test_wrong_values_are_refused_naming_the_key(tmp_path, key, value):
    with pytest.raises(ConfigError, match=key):
        _load(tmp_path, {key: value})
