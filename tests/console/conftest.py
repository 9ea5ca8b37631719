"""Console tests through Flask's test client: users, sign-in links, forms with CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import g
from flask.testing import FlaskClient

from groupcover import db
from groupcover.users import service as users
from tests.jobs.test_send_notices import published  # noqa: F401  (a change with its notices)
from tests.smtp_stub import smtp_server  # noqa: F401

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str) -> str:
    # The test's app context outlives its requests, and Flask-WTF keeps the token it made in
    # ``g``: forget it, or a second client's page would carry the first client's token.
    g.pop("csrf_token", None)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, "no CSRF token on " + path
    return match.group(1) or match.group(2)


def new_user(app, email: str, role: str = "admin", member_id: int | None = None) -> int:
    with app.app_context(), db.transaction() as session:
        user = users.create_user(
            session, email=email, name=email.split("@")[0], role=role, member_id=member_id
        )
        return user.id


def link_for(app, email: str) -> str:
    with app.app_context(), db.transaction() as session:
        user = users.find_by_email(session, email)
        return "/sign-in/" + users.issue_link(session, user, 15)


@pytest.fixture
def sign_in(app) -> Callable[..., FlaskClient]:
    """``sign_in(email, role, member_id)``: a new client signed in as a new user."""

    def _sign_in(email: str, role: str = "admin", member_id: int | None = None) -> FlaskClient:
        new_user(app, email, role, member_id)
        client = app.test_client()
        r = client.get(link_for(app, email))
        assert r.status_code == 302, r.status_code
        return client

    return _sign_in
