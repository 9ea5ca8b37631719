"""Sign-in by one-time link, sessions and CSRF (API.md § The console)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from groupcover import clock, db
from groupcover.users.models import SignInLink, SignInRequest, User
from tests.console.conftest import csrf_token, link_for, new_user


def _count(app, model) -> int:
    with app.app_context(), db.transaction() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_signed_out_home_redirects_to_sign_in(client):
    r = client.get("/")
    assert r.status_code == 302 and r.location.endswith("/sign-in")
    assert client.get("/console/members").location.startswith("/sign-in")


def test_a_link_signs_in_once_and_lands_on_the_dashboard(app, client):
    new_user(app, "boss@example.jp")
    link = link_for(app, "boss@example.jp")
    r = client.get(link)
    assert r.status_code == 302 and r.location == "/"
    assert client.get("/").location == "/console"
    page = client.get("/console")
    assert page.status_code == 200
    assert '<html lang="ja">' in page.get_data(as_text=True)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    again = app.test_client().get(link)
    assert again.status_code == 410  # single use


def test_an_expired_link_is_refused(app, client, freeze):
    new_user(app, "late@example.jp")
    link = link_for(app, "late@example.jp")
    moment = clock.now() + timedelta(minutes=15, seconds=1)
    freeze(moment.isoformat())
    assert client.get(link).status_code == 410
    assert client.get("/console").status_code == 302


def test_a_link_just_inside_its_lifetime_works(app, client, freeze):
    new_user(app, "ontime@example.jp")
    link = link_for(app, "ontime@example.jp")
    freeze((clock.now() + timedelta(minutes=14, seconds=59)).isoformat())
    assert client.get(link).status_code == 302


def test_links_are_stored_hashed(app):
    new_user(app, "hash@example.jp")
    link = link_for(app, "hash@example.jp")
    with app.app_context(), db.transaction() as s:
        stored = s.execute(select(SignInLink.token_hash)).scalar_one()
    assert link.rsplit("/", 1)[1] not in stored and len(stored) == 64


def test_a_deactivated_user_cannot_use_a_link_and_is_signed_out(app, sign_in):
    client = sign_in("gone@example.jp")
    link = link_for(app, "gone@example.jp")
    with app.app_context(), db.transaction() as s:
        user = s.execute(select(User).where(User.email == "gone@example.jp")).scalar_one()
        user.active = False
    assert client.get("/console").status_code == 302
    assert app.test_client().get(link).status_code == 410


def test_the_sign_in_page_answers_the_same_for_known_and_unknown_emails(app, client):
    new_user(app, "known@example.jp")
    answers = []
    for email in ("known@example.jp", "nobody@example.jp"):
        token = csrf_token(client, "/sign-in")
        r = client.post("/sign-in", data={"email": email, "csrf_token": token})
        answers.append((r.status_code, r.get_data(as_text=True).replace(email, "E")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert _count(app, SignInLink) == 1  # a link for the known user only


def test_requests_are_throttled_per_email(app, client):
    app.config["SIGN_IN_THROTTLE_PER_EMAIL"] = 2
    statuses = []
    for _ in range(3):
        token = csrf_token(client, "/sign-in")
        statuses.append(
            client.post("/sign-in", data={"email": "X@example.jp", "csrf_token": token}).status_code
        )
    assert statuses == [200, 200, 429]
    token = csrf_token(client, "/sign-in")
    other = client.post("/sign-in", data={"email": "y@example.jp", "csrf_token": token})
    assert other.status_code == 200


def test_requests_are_throttled_per_address(app, client):
    app.config["SIGN_IN_THROTTLE_PER_ADDRESS"] = 2
    statuses = []
    for n in range(3):
        token = csrf_token(client, "/sign-in")
        r = client.post("/sign-in", data={"email": f"u{n}@example.jp", "csrf_token": token})
        statuses.append(r.status_code)
    assert statuses == [200, 200, 429]
    assert _count(app, SignInRequest) == 2


def test_the_throttle_window_passes(app, client, freeze):
    app.config["SIGN_IN_THROTTLE_PER_EMAIL"] = 1
    token = csrf_token(client, "/sign-in")
    assert client.post("/sign-in", data={"email": "a@b.jp", "csrf_token": token}).status_code == 200
    freeze((clock.now() + timedelta(minutes=15, seconds=1)).isoformat())
    assert client.post("/sign-in", data={"email": "a@b.jp", "csrf_token": token}).status_code == 200


def test_a_post_without_its_csrf_token_is_400_and_writes_nothing(app, sign_in):
    client = sign_in("csrf@example.jp")
    before = _count(app, User)
    r = client.post("/console/members/new", data={"name": "X K.K.", "contact_email": "x@x.jp"})
    assert r.status_code == 400
    r = client.post("/sign-in", data={"email": "csrf@example.jp"})
    assert r.status_code == 400
    assert _count(app, User) == before
    assert _count(app, SignInRequest) == 0


def test_sessions_end_when_idle(app, sign_in, freeze):
    client = sign_in("idle@example.jp")
    start = clock.now()
    freeze((start + timedelta(minutes=119)).isoformat())
    assert client.get("/console").status_code == 200  # each page restarts the idle clock
    freeze((start + timedelta(minutes=119 + 121)).isoformat())
    r = client.get("/console")
    assert r.status_code == 302 and r.location.startswith("/sign-in")


def test_sessions_end_after_the_absolute_lifetime(app, sign_in, freeze):
    app.config["SESSION_IDLE_MINUTES"] = 10_000
    client = sign_in("long@example.jp")
    start = clock.now()
    freeze((start + timedelta(hours=11, minutes=59)).isoformat())
    assert client.get("/console").status_code == 200
    freeze((start + timedelta(hours=12, seconds=1)).isoformat())
    assert client.get("/console").status_code == 302


def test_sign_out(app, sign_in):
    client = sign_in("out@example.jp")
    token = csrf_token(client, "/console")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/console").status_code == 302


def test_language_is_remembered(app, sign_in):
    client = sign_in("lang@example.jp")
    assert '<html lang="en">' in client.get("/console?lang=en").get_data(as_text=True)
    page = client.get("/console/members").get_data(as_text=True)
    assert '<html lang="en">' in page and "Member companies" in page
    page = client.get("/console/members?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in page and "加入企業" in page


def test_console_audit_entries_name_the_user(app, client, admin, sign_in):
    web = sign_in("auditor@example.jp")
    token = csrf_token(web, "/console/members/new")
    r = web.post(
        "/console/members/new",
        data={"name": "Audited K.K.", "contact_email": "a@audited.jp", "csrf_token": token},
    )
    assert r.status_code == 303
    entries = client.get("/api/v1/audit?action=member.create", headers=admin).get_json()
    assert entries[0]["actor"].startswith("user:auditor#")


def test_a_link_returns_to_the_page_asked_for_but_never_to_another_site(app, client):
    new_user(app, "next@example.jp")
    for target, landing in (
        ("/console/notices", "/console/notices"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        r = app.test_client().get(link_for(app, "next@example.jp") + "?next=" + target)
        assert r.location == landing, target
