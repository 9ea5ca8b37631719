"""groupcover: the system of record of a group cyber-insurance program.

``create_app()`` reads as a list: settings, logging, database, auth, API and blueprints,
error handlers, commands. Nothing happens at import time.
"""

from __future__ import annotations

import inspect
import logging
from types import FunctionType
from typing import Any

from flask import Flask, jsonify

__all__ = ["create_app"]


class _Flask(Flask):
    def ensure_sync(self, func: Any) -> Any:
        """Flask asks this of every hook and view on every request (a dozen times on
        ``GET /coverage``); ``inspect.iscoroutinefunction`` costs ~3 µs each. A plain ``def``
        is answered from its code flags; anything else goes to Flask."""
        if (
            type(func) is FunctionType
            and not func.__code__.co_flags & inspect.CO_COROUTINE
            and not hasattr(func, "_is_coroutine_marker")  # inspect.markcoroutinefunction
        ):
            return func
        return super().ensure_sync(func)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from groupcover import auth, cli, console, db, errors, guard, web
    from groupcover.config import load_config

    app = _Flask(__name__, instance_relative_config=True)
    settings = load_config(app, overrides)
    app.json.ensure_ascii = False  # Japanese stays readable
    # Keys in the order the view and its schema wrote them (id first, as documented), not
    # sorted: also 2 % of the CPU of a coverage page of 50 entries.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    _configure_logging(app, settings.LOG_LEVEL)
    db.init_app(app)
    auth.init_app(app)
    guard.init_app(app)  # size, encodings, security headers (after auth: bodies are read later)
    api = web.create_api(app)
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
    errors.register_error_handlers(app)
    console.init_app(app)
    cli.register(app)
    app.add_url_rule("/healthz", "healthz", _healthz)
    return app


def _blueprints() -> list:
    from groupcover.audit.api import blp as audit_blp
    from groupcover.coverage.api import blp as coverage_blp
    from groupcover.coverage_terms.api import blp as coverage_terms_blp
    from groupcover.exports.api import blp as exports_blp
    from groupcover.imports.api import blp as imports_blp
    from groupcover.incidents.api import blp as incidents_blp
    from groupcover.members.api import blp as members_blp
    from groupcover.notices.api import blp as notices_blp
    from groupcover.program.api import blp as program_blp
    from groupcover.reports.api import blp as reports_blp
    from groupcover.suppliers.api import blp as suppliers_blp
    from groupcover.sync.api import blp as sync_blp
    from groupcover.terms.api import blp as terms_blp
    from groupcover.terms.api import expiring_blp
    from groupcover.tokens.api import blp as tokens_blp
    from groupcover.users.api import blp as users_blp

    return [
        program_blp,
        members_blp,
        terms_blp,
        suppliers_blp,
        coverage_blp,
        coverage_terms_blp,
        tokens_blp,
        audit_blp,
        incidents_blp,
        notices_blp,
        sync_blp,
        imports_blp,
        exports_blp,
        reports_blp,
        expiring_blp,
        users_blp,
    ]


def _healthz():
    from groupcover import db

    ok = db.ping(db.read_engine())
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "error"}
    return jsonify(body), 200 if ok else 503


def _configure_logging(app: Flask, log_level: str) -> None:
    level = getattr(logging, log_level)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    from groupcover.redact import install_log_filter

    install_log_filter()  # no bearer token or Authorization value in any line we write
