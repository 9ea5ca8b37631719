"""flask-smorest glue: the Api with our error body, a Blueprint whose malformed input is a
400 naming the field, and list pagination (``page`` from 1, ``page_size`` ≤ 500; a page past
the end, however far, is an empty page)."""

from __future__ import annotations

from functools import wraps
from typing import Any

import flask_smorest
from flask import Flask, request, send_from_directory
from flask_smorest.pagination import PaginationParameters
from marshmallow import INCLUDE, Schema, ValidationError, fields, missing
from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException

from groupcover import openapi
from groupcover.fields import MAX_ID, IdConverter

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class _Parser(FlaskParser):
    """Body/query that does not fit the schema is malformed: 400, not 422."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req, schema):
        """An absent or non-JSON body is malformed too (else a PATCH would be a silent no-op)."""
        data = super().load_json(req, schema)
        if data is missing:
            abort(
                400,
                messages={
                    "json": ["a JSON object body is required (Content-Type: application/json)"]
                },
            )
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _Parser()
    PAGINATION_ARGUMENTS_PARSER = _Parser()

    def arguments(self, schema, *args, **kwargs):
        """Instantiate a schema class once here; webargs would do it on every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def query(self, schema: type[Schema]):
        """``arguments(schema, location="query")`` for the hottest GET: documented the same,
        but each field is read with its own ``deserialize`` (defaults, ``required``,
        validators) instead of webargs and ``Schema.load``, about 0.08 ms less a request.
        Malformed values answer the same 400. For flat schemas: no hooks, no list fields."""
        instance = schema()
        if any(instance._hooks.values()) or any(
            isinstance(f, fields.List) for f in instance.load_fields.values()
        ):
            raise TypeError(f"{schema.__name__}: query() reads flat schemas only")
        documented = super().arguments(instance, location="query")
        readers = [(f.data_key or name, name, f) for name, f in instance.load_fields.items()]

        def decorator(func):
            @wraps(func)
            def view(*args, **kwargs):
                values, errors = {}, {}
                for key, name, field in readers:
                    try:
                        value = field.deserialize(request.args.get(key, missing), key)
                    except ValidationError as exc:
                        errors[key] = exc.messages
                        continue
                    if value is not missing:
                        values[name] = value
                if errors:
                    abort(400, messages={"query": errors})
                return func(*args, values, **kwargs)

            # the documentation ``arguments`` would add, without its parsing
            view._apidoc = documented(func)._apidoc  # type: ignore[attr-defined]
            return view

        return decorator

    def paginated(self):
        """Lists: ``page`` from 1, ``page_size`` default 50, at most 500, X-Pagination header."""
        return self.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        """flask-smorest's metadata (same keys, same order), but ``page`` is always there (also
        past the end) and ``page_size`` too. Built as a plain dict: flask-smorest dumps it
        through a new marshmallow schema each time, about 0.1 ms of a request."""
        metadata: dict[str, int] = {"total": item_count}
        pages = (item_count - 1) // page_size + 1 if item_count else 0
        metadata["total_pages"] = pages
        if pages:
            metadata["first_page"], metadata["last_page"] = 1, pages
        metadata["page"] = page
        if pages and 1 < page <= pages:
            metadata["previous_page"] = page - 1
        if page < pages:
            metadata["next_page"] = page + 1
        metadata["page_size"] = page_size
        return metadata


class ErrorSchema(Schema):
    """Every error body, from any layer."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: a 409 adds what remains

    code = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    status = fields.String(required=True, metadata={"description": "the status's name"})
    message = fields.String(required=True)
    field = fields.String(allow_none=True, metadata={"description": "the input at fault"})
    rule = fields.String(required=True, metadata={"description": "the rule broken"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={"description": "messages per field (nested for nested input)"},
    )
    per_incident_remaining = fields.Integer(metadata={"description": "409 on a payment"})
    aggregate_remaining = fields.Integer(metadata={"description": "409 on a payment"})
    earliest_allowed = fields.Date(metadata={"description": "422 on an early effective date"})
    allowed = fields.List(fields.String(), metadata={"description": "what would be allowed"})
    missing = fields.List(fields.String(), metadata={"description": "what is still missing"})


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # every operation lists its own error statuses

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.spec.to_dict = openapi.completing(self.spec.to_dict)  # type: ignore[method-assign]

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or {}
        field, errors = None, {}
        for location in ("json", "query", "path", "headers", "form"):
            if location in messages:
                errors = messages[location]
                if isinstance(errors, dict):
                    field = next(iter(errors), None)
                else:  # the body as a whole: not JSON, or not an object
                    errors = {"_body": list(errors)}
                break
        body: dict[str, Any] = {
            "code": error.code,
            "status": error.name,
            "message": data.get("message") or _first_message(errors, field) or error.description,
            "field": field,
            "rule": "schema" if messages else _HTTP_RULES.get(error.code, "http"),
            "errors": errors or {"_schema": [error.description]},
        }
        headers = data.get("headers", {})
        return body, error.code, headers


_HTTP_RULES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


def _first_message(errors: dict, field: str | None) -> str | None:
    if not errors:
        return None
    key = field or next(iter(errors))
    messages = errors[key]
    first = messages[0] if isinstance(messages, list) and messages else messages
    return f"{key}: {first}" if field else str(first)


def paginate_query(session: Session, stmt: Select, pagination: PaginationParameters) -> list[Any]:
    """Run ``stmt`` for one page and tell the paginator the total."""
    pagination.item_count = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    if pagination.first_item >= min(pagination.item_count, MAX_ID):
        return []  # past the end: no OFFSET the database would overflow on
    return list(
        session.execute(stmt.limit(pagination.page_size).offset(pagination.first_item)).scalars()
    )


def paginate_rows(session: Session, stmt: Select, pagination: PaginationParameters) -> list[Any]:
    """``paginate_query`` for a statement of several columns: whole rows, not scalars."""
    pagination.item_count = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    return list(
        session.execute(stmt.limit(pagination.page_size).offset(pagination.first_item)).tuples()
    )


def _serve_swagger_ui_assets(app: Flask) -> None:
    """Swagger UI's files come from the swagger-ui-bundle package: /api/docs works offline."""
    from swagger_ui_bundle import swagger_ui_path

    def asset(filename: str):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.add_url_rule("/api/docs/static/<path:filename>", "swagger_ui_asset", asset)


def create_api(app: Flask) -> Api:
    app.url_map.converters["int"] = IdConverter  # ids 1…2,147,483,647; others do not match
    app.config.setdefault("API_TITLE", "groupcover")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/docs/static/")
    _serve_swagger_ui_assets(app)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "System of record for the Supplier Support Pack group "
                "cyber-insurance program. Authenticate with `Authorization: Bearer <token>`."
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    return Api(app)
