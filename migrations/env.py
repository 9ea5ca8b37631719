"""Alembic environment: the schema is groupcover.models' metadata.

``groupcover.migrate.upgrade`` hands in a connection. Run by hand (``alembic`` with
alembic.ini), the URL comes from the app's configuration.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import groupcover.models  # noqa: F401  (registers every table)

target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from groupcover import create_app, db

    app = create_app()
    with app.app_context(), db.engine().begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; use `flask --app wsgi migrate`")
run_migrations_online()
