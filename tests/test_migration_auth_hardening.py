"""Migration 0007_auth_hardening keeps existing tokens working: each expires 365 days after
it was created (SQLite; the models-match-migrations test covers both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from groupcover import db
from groupcover.migrate import upgrade


def test_existing_tokens_get_an_expiry_a_year_after_creation(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO api_token (name, role, token_hash, created_at) "
                "VALUES ('old', 'admin', :h, '2026-02-28 23:30:00.000000')"
            ),
            {"h": "0" * 64},
        )
    upgrade(engine, "0007_auth_hardening")
    with engine.connect() as conn:
        expires_at, last_used_at = conn.execute(
            text("SELECT expires_at, last_used_at FROM api_token").columns(
                expires_at=db.UTCDateTime, last_used_at=db.UTCDateTime
            )
        ).one()
    assert expires_at == datetime(2027, 2, 28, 23, 30, tzinfo=UTC)
    assert last_used_at is None
    engine.dispose()
