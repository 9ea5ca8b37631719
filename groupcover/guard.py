"""What every request and response goes through, before schemas and after views.

In: the body size limit (``MAX_REQUEST_BYTES``, or the larger one an import endpoint names
with ``@large_body()``) → 413; JSON nested deeper than 32 levels, or with a NUL byte or a
lone surrogate in any string or key, and NUL bytes in the query string or path → 400 naming
the field and the rule. Out: security headers on every response (``SecurityHeaders``, a WSGI
middleware), no content type on a 204, ``Location`` on a 201.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from groupcover.errors import BadRequest

F = TypeVar("F", bound=Callable[..., Any])
MAX_JSON_DEPTH = 32
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_SURROGATES = frozenset(chr(c) for c in range(0xD800, 0xE000))


def large_body(setting: str = "MAX_IMPORT_BYTES") -> Callable[[F], F]:
    """Mark a view (or a MethodView method) whose body may be as large as ``setting`` (a CSV
    import: ``MAX_IMPORT_BYTES``) instead of ``MAX_REQUEST_BYTES``; larger still answers 413."""

    def mark(func: F) -> F:
        func.body_limit_setting = setting  # type: ignore[attr-defined]
        return func

    return mark


def _body_limit() -> int:
    if request.method in _READS:  # no read takes a large body: no view to look up
        return int(current_app.config["MAX_REQUEST_BYTES"])
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        view = getattr(view_class, "get" if method == "head" else method, None)
    setting = getattr(view, "body_limit_setting", "MAX_REQUEST_BYTES")
    return int(current_app.config[setting])


def _check_string(value: str, where: str) -> None:
    if "\x00" in value:
        raise BadRequest(f"{where}: NUL bytes are not allowed", field=where, rule="nul_byte")
    if not value.isascii() and not _SURROGATES.isdisjoint(value):
        raise BadRequest(
            f"{where}: a lone surrogate is not text", field=where, rule="lone_surrogate"
        )


def check_json(document: Any) -> None:
    """Depth, NUL bytes and lone surrogates, walked without recursion."""
    stack: list[tuple[Any, int, str]] = [(document, 1, "_body")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            _check_string(value, where)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadRequest(
                    f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                    field=where,
                    rule="json_depth",
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                name = key if isinstance(key, str) else where
                if isinstance(key, str):
                    _check_string(key, name)
                stack.append((item, depth + 1, name if depth == 1 else where))


def _parse_json_body() -> None:
    data = request.get_data(cache=True)  # over the size limit: 413 here
    if not data:
        return
    try:
        document = json.loads(data)
    except RecursionError as exc:
        raise BadRequest(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels", field="_body", rule="json_depth"
        ) from exc
    except ValueError:
        return  # not JSON at all: the schema layer answers 400 with its own message
    check_json(document)


def _check_request() -> None:
    """Before authentication: nothing here reads the body."""
    if "\x00" in request.path:
        raise BadRequest("NUL bytes are not allowed in the path", field="_path", rule="nul_byte")
    for name, value in request.args.items(multi=True):
        _check_string(name, name)
        _check_string(value, name)
    limit = _body_limit()
    request.max_content_length = limit
    if limit > int(current_app.config["MAX_REQUEST_BYTES"]):
        request.max_form_memory_size = limit  # a console import's form carries the file
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")


def _check_json_body() -> None:
    """After authentication: a JSON body is read (within the limit) and checked once."""
    if request.is_json and request.method not in ("GET", "HEAD", "OPTIONS"):
        _parse_json_body()


def _location(response: Response) -> None:
    """A 201 names the created object: the collection's URL plus its ``id``."""
    if response.status_code != 201 or "Location" in response.headers or not response.is_json:
        return
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("id"), int):
        response.headers["Location"] = f"{request.path.rstrip('/')}/{body['id']}"


class SecurityHeaders:
    """WSGI middleware: the security headers every response carries unless its view set them
    (``X-Content-Type-Options``, ``Referrer-Policy``, ``Cache-Control: no-store``, and
    ``Strict-Transport-Security`` when ``HSTS_SECONDS`` > 0).

    Added to the WSGI header list as the response starts: four lookups in werkzeug's
    ``Headers`` cost about 20 µs a request, a quarter of what a cached ``GET /coverage``
    spends in the app's own hooks (``bench/profile_coverage.py``)."""

    DEFAULTS = (
        ("x-content-type-options", "X-Content-Type-Options", "nosniff"),
        ("referrer-policy", "Referrer-Policy", "no-referrer"),
        ("cache-control", "Cache-Control", "no-store"),
    )  # (lower-case key to look for, name, value)

    def __init__(self, wsgi_app: Callable[..., Any], config: dict[str, Any]) -> None:
        self.wsgi_app = wsgi_app
        self.config = config  # read per response: HSTS_SECONDS may change at run time (tests)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            for key, name, value in self.DEFAULTS:
                if key not in present:
                    headers.append((name, value))
            hsts = int(self.config.get("HSTS_SECONDS") or 0)
            if hsts > 0 and "strict-transport-security" not in present:
                headers.append(("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def _finish(response: Response) -> Response:
    if response.status_code == 204:
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    _location(response)
    return response


def init_app(app: Flask) -> None:
    """Register the request checks (first of all before_request hooks) and the response
    finishing (last to run)."""
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_REQUEST_BYTES"])
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)
    app.before_request(_check_json_body)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config)  # type: ignore[method-assign]
