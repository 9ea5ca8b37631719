"""Bearer tokens: issued over HTTP and by ``flask create-token``, shown once, stored hashed,
revocable; 401 without, with an unknown or with a revoked token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from groupcover import auth, db
from groupcover.tokens import service as tokens_service
from groupcover.tokens.models import ApiToken
from tests import factories as f


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_issue_admin_token_shown_once(app, client, admin):
    r = client.post("/api/v1/tokens", json={"name": "ops", "role": "admin"}, headers=admin)
    assert r.status_code == 201
    body = r.get_json()
    token = body["token"]
    assert token.startswith(tokens_service.TOKEN_PREFIX) and len(token) > 40
    assert body["role"] == "admin" and body["member_id"] is None and body["revoked_at"] is None
    assert client.get("/api/v1/members", headers=_bearer(token)).status_code == 200
    listed = client.get("/api/v1/tokens", headers=admin)
    assert token not in listed.get_data(as_text=True)
    assert all("token" not in t and "token_hash" not in t for t in listed.get_json())
    with app.app_context(), db.transaction(write=False) as s:
        stored = s.execute(
            select(ApiToken.token_hash).where(ApiToken.id == body["id"])
        ).scalar_one()
    assert stored == auth.hash_token(token) and token not in stored


def test_issue_member_token(client, admin):
    m = f.member(client, admin)
    r = client.post(
        "/api/v1/tokens", json={"name": "m", "role": "member", "member_id": m["id"]}, headers=admin
    )
    assert r.status_code == 201
    headers = _bearer(r.get_json()["token"])
    assert client.get(f"/api/v1/members/{m['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/members", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "m", "role": "member"}, 422),  # member without member_id
        ({"name": "a", "role": "admin", "member_id": "MEMBER"}, 422),  # admin with one
        ({"name": "m", "role": "member", "member_id": 999999}, 404),
        ({"name": "x", "role": "root"}, 400),
        ({"role": "admin"}, 400),
        ({"name": "", "role": "admin"}, 400),
        ({"name": "x", "role": "admin", "token": "gc_mine"}, 400),  # values are never chosen
    ],
)
def test_issue_rejects_bad_requests(client, admin, body, status):
    if body.get("member_id") == "MEMBER":
        body = {**body, "member_id": f.member(client, admin)["id"]}
    r = client.post("/api/v1/tokens", json=body, headers=admin)
    assert r.status_code == status, r.get_json()
    assert len(client.get("/api/v1/tokens", headers=admin).get_json()) == 1  # only `admin`


def test_revoke_stops_the_token_at_once(client, admin):
    issued = client.post(
        "/api/v1/tokens", json={"name": "temp", "role": "admin"}, headers=admin
    ).get_json()
    headers = _bearer(issued["token"])
    assert client.get("/api/v1/program", headers=headers).status_code == 200
    r = client.delete(f"/api/v1/tokens/{issued['id']}", headers=admin)
    assert r.status_code == 200 and r.get_json()["revoked_at"] is not None
    revoked = client.get("/api/v1/program", headers=headers)
    assert revoked.status_code == 401 and revoked.get_json()["rule"] == "auth_invalid"
    again = client.delete(f"/api/v1/tokens/{issued['id']}", headers=admin)
    assert again.status_code == 200
    assert again.get_json()["revoked_at"] == r.get_json()["revoked_at"]  # unchanged
    assert client.delete("/api/v1/tokens/999999", headers=admin).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "gc_something",  # no scheme
        "Bearer gc_not-a-real-token",
        "Bearer " + "x" * 5000,
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/program",
        "/api/v1/members",
        "/api/v1/coverage?domain=a.example.jp",
        "/api/v1/nowhere",
    ],
)
def test_401_without_a_valid_token(client, authorization, path):
    headers = {} if authorization is None else {"Authorization": authorization}
    r = client.get(path, headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.get_json()["field"] == "Authorization"


def test_401_on_writes_leaves_nothing(client, admin):
    r = client.post(
        "/api/v1/members",
        json={"name": "x", "contact_email": "a@b.jp"},
        headers=_bearer("gc_forged"),
    )
    assert r.status_code == 401
    assert client.get("/api/v1/members", headers=admin).get_json() == []


def test_scheme_is_case_insensitive(client, admin):
    token = admin["Authorization"].split(" ", 1)[1]
    assert (
        client.get("/api/v1/program", headers={"Authorization": f"bearer {token}"}).status_code
        == 200
    )


# --- flask create-token ---------------------------------------------------------------------


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["create-token", *args])


def test_cli_admin_token_is_the_last_line(app, client):
    result = _cli(app, "--role", "admin", "--name", "ops")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/members", headers=_bearer(token)).status_code == 200
    assert token not in result.output.strip().splitlines()[0]


def test_cli_member_token_sees_its_member_only(app, client, admin):
    a, b = f.member(client, admin), f.member(client, admin)
    result = _cli(app, "--role", "member", "--member", str(a["id"]), "--name", "sakura")
    assert result.exit_code == 0, result.output
    headers = _bearer(result.output.strip().splitlines()[-1])
    assert client.get(f"/api/v1/members/{a['id']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/members/{b['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "args",
    [
        ("--role", "member", "--member", "999999", "--name", "ghost"),  # unknown member
        ("--role", "member", "--name", "no-member"),
        ("--role", "admin", "--member", "1", "--name", "admin-with-member"),
        ("--role", "root", "--name", "x"),
        ("--role", "admin"),
    ],
)
def test_cli_refuses(app, client, admin, args):
    result = _cli(app, *args)
    assert result.exit_code != 0
    assert "gc_" not in result.output
    assert len(client.get("/api/v1/tokens", headers=admin).get_json()) == 1


def test_cli_unknown_member_says_so(app):
    result = _cli(app, "--role", "member", "--member", "999999", "--name", "ghost")
    assert result.exit_code == 1
    assert "member 999999 not found" in result.output


def test_revoked_token_stops_writing_at_once_and_reading_within_the_cache_ttl(
    app, client, admin, monkeypatch
):
    """Another worker's revocation: this worker still has the token cached for reads only."""
    from groupcover import auth
    from groupcover.config import update_settings

    clock_now = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock_now[0])
    update_settings(app, TOKEN_CACHE_SECONDS=5)
    made = client.post("/api/v1/tokens", json={"name": "ops", "role": "admin"}, headers=admin)
    headers = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert client.get("/api/v1/program", headers=headers).status_code == 200  # now cached
    cached = dict(app.extensions["groupcover.tokens"])
    client.delete(f"/api/v1/tokens/{made.get_json()['id']}", headers=admin)
    app.extensions["groupcover.tokens"].update(cached)  # as if revoked by another worker
    assert client.get("/api/v1/program", headers=headers).status_code == 200
    assert client.patch("/api/v1/program", json={"name": "x"}, headers=headers).status_code == 401
    clock_now[0] += 5
    assert client.get("/api/v1/program", headers=headers).status_code == 401


def test_revocation_in_this_worker_takes_effect_at_once(client, admin):
    made = client.post("/api/v1/tokens", json={"name": "ops", "role": "admin"}, headers=admin)
    headers = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert client.get("/api/v1/program", headers=headers).status_code == 200
    client.delete(f"/api/v1/tokens/{made.get_json()['id']}", headers=admin)
    assert client.get("/api/v1/program", headers=headers).status_code == 401
