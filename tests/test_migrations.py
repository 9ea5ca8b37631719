"""The schema comes from Alembic alone: upgrade from empty works on both databases, and the
models and the migrations agree (autogenerate finds nothing to do)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlmodel import SQLModel

from groupcover import db
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.coverage_terms.service import INITIAL_TERMS
from groupcover.migrate import alembic_config, upgrade
from groupcover.program.models import Program
from groupcover.program.service import DEFAULT_PROGRAM


def test_models_and_migrations_agree(app):
    engine = app.extensions["groupcover.engine"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def _schema(engine) -> tuple[str | None, dict[str, list[str]]]:
    """The Alembic revision and every table's columns."""
    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        found = inspect(conn)
        tables = {t: [c["name"] for c in found.get_columns(t)] for t in found.get_table_names()}
    return revision, tables


def test_upgrade_is_idempotent_at_head(app):
    """Upgrading a database already at head changes nothing: the revision and tables stay."""
    engine = app.extensions["groupcover.engine"]
    before = _schema(engine)
    upgrade(engine)
    assert before[0] == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert _schema(engine) == before


def test_migration_defaults_match_the_code(tmp_path):
    """Migration 0001 inserts the program and first coverage terms; so does the code."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with db.transaction(engine) as s:
        program = s.execute(select(Program)).scalar_one()
        terms = s.execute(select(CoverageTerms)).scalar_one()
        assert {k: getattr(program, k) for k in DEFAULT_PROGRAM} == DEFAULT_PROGRAM
        assert {k: getattr(terms, k) for k in INITIAL_TERMS} == INITIAL_TERMS
    engine.dispose()
