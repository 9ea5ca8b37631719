"""The OpenAPI document tells the truth: every status an operation can answer is on it.

flask-smorest documents the success response and the schema errors of each view; the
statuses every ``/api/v1`` operation shares come from the layers around the views, so they
are added here, by rule, when the document is produced (``completing``):

- every operation: 400 (malformed query or body, JSON too deep, NUL bytes, lone surrogates),
  401 (no or unknown token), 403 (the token may not do this: administrator-only, or an action
  for another role), 413 (body over ``MAX_REQUEST_BYTES``);
- an id in the path, or a body (which may name an id): 404;
- writes: 409 (conflict with current state, including a concurrent duplicate) and 422;
- reads with query parameters beyond paging: 422 (a well-formed value that breaks a rule).

``X-Pagination`` is documented as the JSON string it is, and a 201 names ``Location``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_METHODS = _WRITES | {"get", "head", "options"}
_PAGING = frozenset({"page", "page_size"})
_DESCRIPTIONS = {
    "400": "Malformed request: a query or body that does not fit the schema, not JSON, JSON "
    "nested deeper than 32 levels, NUL bytes or lone surrogates in a string",
    "401": "No token, or an unknown, revoked or expired one",
    "403": "The token may not do this (administrators only, or not for this role)",
    "404": "Unknown id (or another member's object; ids outside 1…2,147,483,647 are unknown)",
    "409": "Conflicts with the current state (overlap, duplicate, limit exceeded)",
    "413": "The request body is larger than MAX_REQUEST_BYTES",
    "429": "Too many failed authentications from this address; see Retry-After",
    "422": "Well-formed, but breaks a rule of the program (money above ¥100,000,000,000 too)",
}
PAGINATION_HEADER = {
    "description": 'Paging as a JSON object in a string: {"total": n, "page": p, "page_size": '
    's, "total_pages": t, "first_page": 1, "last_page": t, "previous_page": …, "next_page": …}',
    "schema": {"type": "string"},
}
LOCATION_HEADER = {"description": "URL of the created object", "schema": {"type": "string"}}


def _error(status: str) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def statuses_for(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The shared error statuses of one operation (the rules in this module's docstring)."""
    statuses = ["400", "401", "403", "413", "429"]
    query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    if "{" in path or "requestBody" in operation:
        statuses.append("404")
    if method in _WRITES:
        statuses += ["409", "422"]
    elif query - _PAGING:
        statuses.append("422")
    return statuses


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the shared statuses and headers filled in (a new dict)."""
    doc = copy.deepcopy(document)
    components = doc.setdefault("components", {})
    components.setdefault("headers", {})["PAGINATION"] = PAGINATION_HEADER
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)
            for status in statuses_for(path, method, operation):
                responses.setdefault(status, _error(status))
            if "201" in responses:
                responses["201"].setdefault("headers", {})["Location"] = LOCATION_HEADER
    return doc


def completing(to_dict: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap ``APISpec.to_dict`` so that every reader (``/api/openapi.json``, ``flask openapi
    write``, the fuzzing test) gets the completed document."""

    def to_dict_completed() -> dict[str, Any]:
        return complete(to_dict())

    return to_dict_completed
