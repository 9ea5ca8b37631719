"""Domain exceptions, raised by services and mapped to HTTP once (``register_error_handlers``).

Every error body names the field and the rule:
``{"code": 409, "status": "Conflict", "message": ..., "field": ..., "rule": ..., "errors": {...}}``
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, rule: str, **extra: Any):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.status,
            "status": HTTPStatus(self.status).phrase,
            "message": self.message,
            "field": self.field,
            "rule": self.rule,
            "errors": {self.field or "_schema": [self.message]},
        }
        body.update(self.extra)
        return body


class BadRequest(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404

    def __init__(self, entity: str, ident: Any, *, field: str | None = None):
        super().__init__(f"{entity} {ident} not found", field=field, rule="not_found")


class Conflict(DomainError):
    """409: the request conflicts with current state (overlap, duplicate, limit)."""

    status = 409


class RuleViolation(DomainError):
    """422: well-formed, but breaks a rule of the program."""

    status = 422


class TooManyRequests(DomainError):
    """429: slow down; ``retry_after`` seconds go into the Retry-After header and the body."""

    status = 429


def error_response(status: int, message: str, *, field: str | None, rule: str, **extra: Any):
    err = DomainError(message, field=field, rule=rule, **extra)
    err.status = status
    return jsonify(err.body()), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        response = jsonify(exc.body())
        response.status_code = exc.status
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="groupcover"'
        if "retry_after" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        app.logger.info("integrity error turned into 409: %s", type(exc.orig).__name__)
        return error_response(
            409, "the change conflicts with existing data", field=None, rule="integrity"
        )

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        app.logger.warning("database unavailable or busy: %s", type(exc.orig).__name__)
        return error_response(
            503, "the database is busy or unavailable; try again", field=None, rule="db_busy"
        )

    @app.errorhandler(PoolTimeout)
    def _pool_timeout(exc: PoolTimeout):
        app.logger.warning("no database connection free within DB_POOL_TIMEOUT")
        body, status = error_response(
            503, "the database is busy; try again", field=None, rule="db_busy", retry_after=1
        )
        return body, status, {"Retry-After": "1"}
