"""One app per test, on SQLite and — when GROUPCOVER_TEST_DATABASE_URL is set — PostgreSQL.

Each test run gets its own SQLite file and its own PostgreSQL schema (dropped at the end), so
runs never collide. The schema is built once per run by the Alembic migrations (never
``create_all``); the app is built once per backend; before each test every table is emptied,
the program defaults restored and the app's settings reset.
Any test that asks for ``app``/``client`` (or ``db_url``) runs once per backend.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import groupcover.models  # noqa: F401
from groupcover import clock, create_app, db
from groupcover.coverage_terms.service import ensure_initial_terms
from groupcover.migrate import upgrade
from groupcover.program.service import get_program
from groupcover.tokens import service as tokens_service

PG_URL = os.environ.get("GROUPCOVER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_KEY = Fernet.generate_key().decode()


def _pg_schema_url(base: str, schema: str) -> str:
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    # synchronous_commit=off: a throw-away test schema need not wait for fsync on commit.
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """A freshly migrated database for this run (and xdist worker)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'groupcover.db'}"
        engine = db.make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    schema = f"gc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_schema_url(PG_URL, "public"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _pg_schema_url(PG_URL, schema)
    engine = db.make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_all_tables(engine) -> None:
    """DELETE, children first (on PostgreSQL far cheaper than TRUNCATE for a few rows).

    ``coverage_generation`` keeps its one row: it only ever grows, as in production, so a
    count the coverage answer kept from an earlier test can never pass for this test's."""
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name != "coverage_generation":
                conn.execute(table.delete())


@pytest.fixture(scope="session")
def _shared_app(db_url, tmp_path_factory) -> Iterator[Flask]:
    """One app per backend and run: building the API spec costs ~0.1 s, too much per test."""
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": db_url,
            "ENCRYPTION_KEY": TEST_KEY,
            "SECRET_KEY": "test-secret-key-" + TEST_KEY,
            "LOG_LEVEL": "WARNING",
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    yield app
    app.extensions["groupcover.engine"].dispose()


@pytest.fixture
def app(_shared_app) -> Iterator[Flask]:
    """The app with empty tables, program defaults and its settings as they were at start."""
    app = _shared_app
    settings, flask_config = app.extensions["groupcover.settings"], dict(app.config)
    _empty_all_tables(app.extensions["groupcover.engine"])
    app.extensions["groupcover.auth"].clear()  # blocked addresses, token cache, last use
    with app.app_context():
        with db.transaction() as session:
            get_program(session)
            ensure_initial_terms(session)
        yield app
    app.config.clear()
    app.config.update(flask_config)
    app.extensions["groupcover.settings"] = settings


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def backend(db_url) -> str:
    return make_url(db_url).get_backend_name()


def make_token(
    app: Flask, role: str = "admin", member_id: int | None = None, name: str = "test"
) -> dict[str, str]:
    """Authorization headers for a new token."""
    with app.app_context(), db.transaction() as session:
        _row, plain = tokens_service.create_token(
            session, role=role, name=name, member_id=member_id
        )
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def admin(app) -> dict[str, str]:
    return make_token(app, "admin", name="admin")


@pytest.fixture
def member_headers(app) -> Callable[[int], dict[str, str]]:
    return lambda member_id: make_token(app, "member", member_id, name=f"member-{member_id}")


@pytest.fixture
def freeze(monkeypatch) -> Callable[[str], None]:
    """``freeze("2026-05-01T09:00:00+09:00")`` sets the program clock's now."""

    def _freeze(instant: str) -> None:
        moment = datetime.fromisoformat(instant)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return _freeze
