"""Valid objects in one line, through the API (so tests exercise the real path)."""

from __future__ import annotations

import itertools
from typing import Any

from flask.testing import FlaskClient

_seq = itertools.count(1)


def _ok(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def member(client: FlaskClient, admin: dict, **values: Any) -> dict[str, Any]:
    n = next(_seq)
    body = {"name": f"Member {n} K.K.", "contact_email": f"risk{n}@member{n}.example.jp"}
    body.update(values)
    return _ok(client.post("/api/v1/members", json=body, headers=admin), 201)


def term(client: FlaskClient, admin: dict, member_id: int, start: str, end: str) -> dict:
    return _ok(
        client.post(
            f"/api/v1/members/{member_id}/terms",
            json={"start_date": start, "end_date": end},
            headers=admin,
        ),
        201,
    )


def registration(
    client: FlaskClient, admin: dict, member_id: int, domain: str, registered_on: str, **values: Any
) -> dict:
    body = {"domain": domain, "name": values.pop("name", domain), "registered_on": registered_on}
    body.update(values)
    return _ok(client.post(f"/api/v1/members/{member_id}/suppliers", json=body, headers=admin), 201)


def deregister(
    client: FlaskClient, admin: dict, member_id: int, registration_id: int, last_day: str
) -> dict:
    return _ok(
        client.delete(
            f"/api/v1/members/{member_id}/suppliers/{registration_id}?last_day={last_day}",
            headers=admin,
        ),
        200,
    )


def insured_member(
    client: FlaskClient,
    admin: dict,
    start: str = "2026-04-01",
    end: str = "2027-03-31",
    **values: Any,
) -> dict[str, Any]:
    """A member with one term."""
    m = member(client, admin, **values)
    m["term"] = term(client, admin, m["id"], start, end)
    return m
