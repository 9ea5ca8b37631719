"""Authentication abuse and token lifetime (issue 10), on both databases.

Failed authentications are throttled per client address through the database, so the limit
holds across app instances (gunicorn workers, hosts); tokens expire and remember their last
use without a write on every request.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from groupcover import config, create_app, db
from groupcover.audit import AuditEntry
from groupcover.config import update_settings
from groupcover.tokens.models import ApiToken, AuthFailure
from tests import factories as f
from tests.conftest import TEST_KEY

NOW = "2026-11-25T10:00:00+00:00"
ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
BYSTANDER = {"REMOTE_ADDR": "198.51.100.9"}
WRONG = {"Authorization": "Bearer gc_not-a-real-token"}


@pytest.fixture
def second_app(app, db_url):
    """Another instance on the same database: another gunicorn worker or host."""
    other = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": db_url,
            "ENCRYPTION_KEY": TEST_KEY,
            "LOG_LEVEL": "WARNING",
        }
    )
    yield other
    other.extensions["groupcover.engine"].dispose()


def _get(client, headers, environ=ATTACKER, path="/api/v1/program"):
    return client.get(path, headers=headers, environ_base=environ)


def test_the_21st_failure_in_a_minute_is_429_with_retry_after(client, admin, freeze):
    freeze(NOW)
    assert [_get(client, WRONG).status_code for _ in range(20)] == [401] * 20
    r = _get(client, WRONG)
    assert r.status_code == 429 and r.is_json
    body = r.get_json()
    assert (body["code"], body["field"], body["rule"]) == (429, "Authorization", "auth_throttled")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # this worker now refuses the address outright, even with a valid token
    assert _get(client, admin).status_code == 429
    # other addresses are not affected
    assert _get(client, admin, BYSTANDER).status_code == 200
    assert _get(client, WRONG, BYSTANDER).status_code == 401


def test_the_limit_is_a_setting(app, client, freeze):
    freeze(NOW)
    update_settings(app, AUTH_FAILURES_PER_MINUTE=3)
    assert [_get(client, WRONG).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_missing_credentials_are_not_counted(app, client, freeze):
    freeze(NOW)
    update_settings(app, AUTH_FAILURES_PER_MINUTE=2)
    assert {_get(client, {}).status_code for _ in range(5)} == {401}
    assert _get(client, WRONG).status_code == 401


def test_the_count_holds_across_app_instances(app, second_app, client, admin, freeze):
    freeze(NOW)
    other = second_app.test_client()
    assert {_get(client, WRONG).status_code for _ in range(10)} == {401}
    assert {_get(other, WRONG).status_code for _ in range(10)} == {401}
    assert _get(client, WRONG).status_code == 429  # the 21st, wherever it lands
    assert _get(other, WRONG).status_code == 429  # the other worker learns it from the table
    with app.app_context(), db.transaction(write=False) as s:
        row = s.get(AuthFailure, ATTACKER["REMOTE_ADDR"])
        assert row is not None and row.failures == 22


def test_a_new_window_starts_a_minute_later(app, second_app, client, admin, freeze):
    freeze(NOW)
    update_settings(app, AUTH_FAILURES_PER_MINUTE=2)
    update_settings(second_app, AUTH_FAILURES_PER_MINUTE=2)
    assert [_get(client, WRONG).status_code for _ in range(3)] == [401, 401, 429]
    freeze("2026-11-25T10:01:00+00:00")  # the window (from the first failure) is over
    other = second_app.test_client()  # a worker that never saw the block
    assert _get(other, admin).status_code == 200
    assert [_get(other, WRONG).status_code for _ in range(3)] == [401, 401, 429]


def test_expired_token_is_401_token_expired(client, admin, freeze):
    freeze(NOW)
    r = client.post(
        "/api/v1/tokens", json={"name": "short", "role": "admin", "days": 1}, headers=admin
    )
    assert r.status_code == 201
    created = r.get_json()
    assert created["expires_at"] == "2026-11-26T10:00:00+00:00"
    short = {"Authorization": f"Bearer {created['token']}"}
    freeze("2026-11-26T09:59:59+00:00")
    assert client.get("/api/v1/program", headers=short).status_code == 200  # now cached
    freeze("2026-11-26T10:00:00+00:00")
    for method in (client.get, client.patch):
        r = method("/api/v1/program", headers=short, json={"name": "x"})
        assert r.status_code == 401
        assert (r.get_json()["rule"], r.get_json()["field"]) == ("token_expired", "Authorization")


def test_default_lifetime_is_token_days(app, client, admin, freeze):
    freeze(NOW)
    update_settings(app, TOKEN_DAYS=30)
    r = client.post("/api/v1/tokens", json={"name": "m", "role": "admin"}, headers=admin)
    assert r.get_json()["expires_at"] == "2026-12-25T10:00:00+00:00"


@pytest.mark.parametrize("days", [0, -1, 3651, "x"])
def test_days_out_of_range_is_refused(client, admin, days):
    r = client.post(
        "/api/v1/tokens", json={"name": "m", "role": "admin", "days": days}, headers=admin
    )
    assert r.status_code == 400 and r.get_json()["field"] == "days"


def test_cli_token_has_days_and_is_audited(app, client, admin, freeze):
    freeze(NOW)
    member = f.member(client, admin)
    result = app.test_cli_runner().invoke(
        args=[
            "create-token",
            "--role",
            "member",
            "--member",
            str(member["id"]),
            "--name",
            "ops",
            "--days",
            "7",
        ]
    )
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    assert "2026-12-02" in result.output
    entries = client.get("/api/v1/audit?action=token.create", headers=admin).get_json()
    [entry] = [e for e in entries if e["after"]["name"] == "ops"]
    assert entry["actor"] == "cli:create-token"
    assert entry["after"]["expires_at"].startswith("2026-12-02T10:00:00")
    assert plain not in str(entry) and "token_hash" not in entry["after"]
    assert (
        client.get(
            f"/api/v1/members/{member['id']}", headers={"Authorization": f"Bearer {plain}"}
        ).status_code
        == 200
    )


def _last_used(app, headers) -> datetime | None:
    from groupcover.auth import hash_token

    digest = hash_token(headers["Authorization"].split(" ", 1)[1])
    with app.app_context(), db.transaction(write=False) as s:
        return s.execute(
            select(ApiToken.last_used_at).where(ApiToken.token_hash == digest)
        ).scalar()


def test_last_used_at_is_written_at_most_once_a_minute(app, second_app, client, admin, freeze):
    freeze(NOW)
    first = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert _last_used(app, admin) is None
    client.get("/api/v1/program", headers=admin)
    assert _last_used(app, admin) == first
    freeze("2026-11-25T10:00:30+00:00")
    client.post("/api/v1/members", json={"name": "A", "contact_email": "a@b.jp"}, headers=admin)
    second_app.test_client().get("/api/v1/program", headers=admin)  # another worker: SQL guard
    assert _last_used(app, admin) == first
    freeze("2026-11-25T10:01:05+00:00")
    second_app.extensions["groupcover.auth"].touched.clear()  # its own minute has passed too
    second_app.test_client().get("/api/v1/program", headers=admin)
    assert _last_used(app, admin) == first + timedelta(seconds=65)


def test_a_successful_cached_read_costs_no_auth_query(app, client, admin, freeze):
    """The hot path (GET /coverage with a cached token) gains no statement from throttling
    or last_used_at once the token was touched this minute."""
    freeze(NOW)
    member = f.insured_member(client, admin)
    f.registration(client, admin, member["id"], "hot.example.jp", "2026-04-01")
    url = "/api/v1/coverage?domain=hot.example.jp&on=2026-06-01"
    assert client.get(url, headers=admin).status_code == 200
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["groupcover.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url, headers=admin).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # The coverage query itself runs on the driver's cursor (db.DriverSelect), out of sight of
    # SQLAlchemy's events: what this listener could see is exactly the auth statements.
    assert not [s for s in statements if "api_token" in s or "auth_failure" in s]


def test_victims_reads_are_audited_without_the_data(client, admin, member_headers, freeze):
    freeze(NOW)
    member = f.insured_member(client, admin)
    body = {
        "member_id": member["id"],
        "occurred_on": "2026-07-01",
        "discovered_on": "2026-07-02",
        "place": "本社",
        "circumstances": "不正アクセス",
        "cause": "leak",
        "victims": [{"name": "山田 花子", "address": "東京都新宿区1-1"}],
    }
    incident = client.post("/api/v1/incidents", json=body, headers=admin).get_json()
    mine = member_headers(member["id"])
    # the incident itself shows only victims_count: reading it is not a read of the victims
    assert client.get(f"/api/v1/incidents/{incident['id']}", headers=mine).status_code == 200
    for headers in (admin, mine):
        r = client.get(f"/api/v1/incidents/{incident['id']}/victims", headers=headers)
        assert r.status_code == 200 and r.get_json()[0]["name"] == "山田 花子"
    r = client.get("/api/v1/audit?action=incident.victims.read", headers=admin)
    entries = r.get_json()
    assert [(e["entity"], e["entity_id"]) for e in entries] == [("incident", incident["id"])] * 2
    assert entries[0]["actor"].startswith("member:") and entries[1]["actor"].startswith("admin:")
    assert "山田" not in r.get_data(as_text=True) and "新宿" not in r.get_data(as_text=True)


def test_a_database_error_carries_no_sql_parameters(app, client, admin, caplog, freeze):
    """A forced database error (500): its text — what the log's traceback shows — has the
    statement but none of the personal data bound to it."""
    freeze(NOW)
    caplog.set_level(logging.DEBUG)
    member = f.insured_member(client, admin)
    engine = app.extensions["groupcover.engine"]

    def break_incident_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO incident "):
            if conn.dialect.name == "sqlite":  # a binding short: sqlite3.ProgrammingError
                return statement, tuple(parameters)[:-1]
            statement = statement.replace("INSERT INTO incident ", "INSERT INTO no_such_table ", 1)
        return statement, parameters

    body = {
        "member_id": member["id"],
        "occurred_on": "2026-07-01",
        "discovered_on": "2026-07-02",
        "place": "PLACE-SENTINEL 新宿",
        "circumstances": "CIRC-SENTINEL",
        "cause": "leak",
        "victims": [],
    }
    event.listen(engine, "before_cursor_execute", break_incident_insert, retval=True)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    try:
        with pytest.raises(Exception) as caught:
            client.post("/api/v1/incidents", json=body, headers=admin)
    finally:
        event.remove(engine, "before_cursor_execute", break_incident_insert)
    text = str(caught.value) + caplog.text
    assert "INSERT INTO" in text and "hide_parameters" in text
    assert "SENTINEL" not in text and "新宿" not in text


def test_sync_runs_are_audited_with_who_started_them(sync_env):
    client, admin, run_id = sync_env
    entries = client.get(
        f"/api/v1/audit?entity=sync_run&entity_id={run_id}", headers=admin
    ).get_json()
    assert [e["action"] for e in entries] == ["sync_run.finish", "sync_run.start"]
    assert {e["actor"] for e in entries} == {"test-operator"}
    assert entries[1]["after"] == {"mode": "full", "triggered_by": "test-operator"}
    assert entries[0]["after"]["status"] == "succeeded"


def test_a_queued_run_is_audited_when_a_worker_starts_it(app, client, admin):
    from groupcover.sync import runner
    from groupcover.sync.settings import SyncSettings

    update_settings(app, VENDOR_API_URL="http://127.0.0.1:9")  # no credentials: no calls
    run_id = client.post("/api/v1/sync-runs", json={}, headers=admin).get_json()["id"]
    url = f"/api/v1/audit?entity=sync_run&entity_id={run_id}"
    assert client.get(url, headers=admin).get_json() == []  # queued, not started
    assert runner.run_queued(db.engine(), SyncSettings.from_settings(config.settings()))
    entries = client.get(url, headers=admin).get_json()
    assert [e["action"] for e in entries] == ["sync_run.finish", "sync_run.start"]
    assert entries[1]["after"]["triggered_by"] == entries[1]["actor"]
    assert entries[1]["actor"].startswith("admin:")


@pytest.fixture
def sync_env(app, client, admin):
    from groupcover.sync import runner
    from groupcover.sync.settings import SyncSettings

    # no member has a credential: no calls
    update_settings(app, VENDOR_API_URL="http://127.0.0.1:9")
    settings = SyncSettings.from_settings(config.settings())
    run = runner.run_sync(db.engine(), settings, "full", "test-operator")
    return client, admin, run.id


def test_no_audit_entry_holds_a_token(client, admin):
    r = client.post("/api/v1/tokens", json={"name": "t", "role": "admin"}, headers=admin)
    plain = r.get_json()["token"]
    with db.transaction(write=False) as s:
        entries = [repr(e.model_dump()) for e in s.execute(select(AuditEntry)).scalars()]
    assert entries and not [e for e in entries if plain in e]
