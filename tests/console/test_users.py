"""Users over the API and the CLI, and the sign-in mail through the SMTP settings."""

from __future__ import annotations

import re

from groupcover.config import update_settings
from tests import factories as f
from tests.console.conftest import csrf_token, new_user


def test_the_sign_in_mail_carries_a_working_link(app, client, smtp_server):
    update_settings(app, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    new_user(app, "mail@example.jp")
    token = csrf_token(client, "/sign-in")
    assert (
        client.post("/sign-in", data={"email": "MAIL@example.jp", "csrf_token": token}).status_code
        == 200
    )
    app.extensions["groupcover.mail_thread"].join(timeout=10)
    [message] = smtp_server.handler.messages
    assert message["To"] == "mail@example.jp"
    body = message.get_content()
    url = re.search(r"http://127\.0\.0\.1:8000(/sign-in/\S+)", body).group(1)
    assert app.test_client().get(url).status_code == 302


def test_admin_api_creates_lists_and_deactivates_users(client, admin, member_headers):
    m = f.member(client, admin)
    r = client.post(
        "/api/v1/users",
        json={"email": "Risk@Member.jp", "name": "Risk", "role": "member", "member_id": m["id"]},
        headers=admin,
    )
    assert r.status_code == 201 and r.get_json()["email"] == "risk@member.jp"
    dup = client.post(
        "/api/v1/users",
        json={"email": "risk@member.jp", "name": "X", "role": "admin"},
        headers=admin,
    )
    assert (dup.status_code, dup.get_json()["rule"]) == (409, "email_unique")
    bad = client.post(
        "/api/v1/users", json={"email": "b@member.jp", "name": "X", "role": "member"}, headers=admin
    )
    assert (bad.status_code, bad.get_json()["field"]) == (422, "member_id")
    user_id = r.get_json()["id"]
    r = client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.get_json()["active"] is False
    listed = client.get("/api/v1/users?q=risk", headers=admin).get_json()
    assert [u["id"] for u in listed] == [user_id]
    audit = client.get("/api/v1/audit?entity=user", headers=admin).get_json()
    assert {e["action"] for e in audit} == {"user.create", "user.deactivate"}
    assert "risk@member.jp" not in str(audit)  # personal data stays out of the audit trail


def test_cli_create_user_and_sign_in_link(app, client, admin):
    m = f.member(client, admin)
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=[
            "create-user",
            "--email",
            "cli@example.jp",
            "--name",
            "CLI",
            "--role",
            "member",
            "--member",
            str(m["id"]),
        ]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["sign-in-link", "--email", "cli@example.jp"])
    assert r.exit_code == 0, r.output
    url = r.output.strip().splitlines()[-1]
    assert url.startswith("http://127.0.0.1:8000/sign-in/")
    web = app.test_client()
    assert web.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 302
    assert web.get("/").location == f"/console/members/{m['id']}"
    assert runner.invoke(args=["sign-in-link", "--email", "none@example.jp"]).exit_code != 0
    r = runner.invoke(args=["create-user", "--email", "x@y.jp", "--name", "X", "--role", "member"])
    assert r.exit_code != 0


def test_seed_demo_creates_the_demo_users_once(app, client, admin):
    runner = app.test_cli_runner()
    for _ in range(2):
        r = runner.invoke(args=["seed-demo"])
        assert r.exit_code == 0, r.output
    users = client.get("/api/v1/users", headers=admin).get_json()
    assert sorted((u["role"], u["email"]) for u in users) == [
        ("admin", "admin@demo.example.jp"),
        ("member", "risk@sakura.example.jp"),
    ]
    r = runner.invoke(args=["sign-in-link", "--email", "risk@sakura.example.jp"])
    assert r.output.strip().splitlines()[-1].startswith("http://127.0.0.1:8000/sign-in/sl_")
