"""The member-isolation matrix (API.md "Auth").

A member token reads its own objects (200) and gets 404 for another member's, exactly as for
ids that do not exist, so nothing reveals that they do. Administrator-only actions answer 403
to a member token, whatever the ids. Every ``/api/v1`` route must appear in one table below:
a new endpoint is one new row (``test_every_route_is_in_the_matrix`` says which are missing).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from groupcover import clock, config, db
from groupcover.coverage_terms import flows as coverage_terms_flows
from groupcover.coverage_terms.service import Change
from groupcover.notices import proof
from groupcover.notices.models import Notice, NoticeAttempt
from groupcover.sync import runner
from groupcover.sync.settings import SyncSettings
from tests import factories as f

SHARED = "shared-logistics.example.jp"
ON = "2026-06-01"

# Readable by an administrator and by the member the ids belong to; others get 404.
MEMBER_READABLE = [
    "/api/v1/members/{member_id}",
    "/api/v1/members/{member_id}/terms",
    "/api/v1/members/{member_id}/suppliers",
    "/api/v1/members/{member_id}/suppliers?active_on=" + ON,
    "/api/v1/members/{member_id}/suppliers/{registration_id}",
    "/api/v1/members/{member_id}/coverage?on=" + ON,
    "/api/v1/notices/{notice_id}",
    "/api/v1/notices/{notice_id}/message",
    "/api/v1/incidents/{incident_id}",
    "/api/v1/incidents/{incident_id}/costs",
    "/api/v1/incidents/{incident_id}/payments",
    "/api/v1/incidents/{incident_id}/timeline",
    "/api/v1/incidents/{incident_id}/deductions",
    "/api/v1/incidents/{incident_id}/victims",
]

# Writable by an administrator and by the member the ids belong to; others get 404 and
# nothing changes.
MEMBER_WRITABLE = [
    (
        "POST",
        "/api/v1/incidents",
        lambda ids: {
            "member_id": ids["member_id"],
            "occurred_on": ON,
            "discovered_on": ON,
            "place": "Tokyo",
            "circumstances": "phishing",
            "cause": "leak",
            "victims": [],
        },
    ),
    (
        "POST",
        "/api/v1/incidents/{incident_id}/costs",
        lambda ids: {
            "category": "investigation",
            "amount_yen": 1000,
            "incurred_on": ON,
            "description": "forensics",
        },
    ),
    ("PUT", "/api/v1/incidents/{incident_id}/victims", lambda ids: b"name,address\nA,B\n"),
]

# Only the member the ids belong to: others get 404, an administrator 403.
MEMBER_ONLY = [
    ("POST", "/api/v1/notices/{notice_id}/acknowledge", None),
]

CHANGE = {
    "effective_date": "2099-01-01",
    "per_incident_limit": 2_000_000,
    "aggregate_limit": 8_000_000,
    "summary_ja": "変更",
    "summary_en": "change",
}

# Administrators only: a member token gets 403 with its own ids and with anyone else's.
ADMIN_ONLY = [
    ("GET", "/api/v1/members", None),
    ("POST", "/api/v1/members", {"name": "Intruder K.K.", "contact_email": "x@y.jp"}),
    ("PATCH", "/api/v1/members/{member_id}", {"name": "Renamed"}),
    ("PUT", "/api/v1/members/{member_id}/vendor-credential", {"token": "stolen"}),
    ("DELETE", "/api/v1/members/{member_id}/vendor-credential", None),
    (
        "POST",
        "/api/v1/members/{member_id}/terms",
        {"start_date": "2030-04-01", "end_date": "2031-03-31"},
    ),
    ("POST", "/api/v1/members/{member_id}/terms/{term_id}/cancel", {"last_day": "2026-09-30"}),
    (
        "POST",
        "/api/v1/members/{member_id}/suppliers",
        {"domain": "new.example.jp", "name": "New", "registered_on": ON},
    ),
    ("DELETE", "/api/v1/members/{member_id}/suppliers/{registration_id}?last_day=2026-09-30", None),
    ("PATCH", "/api/v1/program", {"name": "Hijacked"}),
    ("GET", "/api/v1/tokens", None),
    ("POST", "/api/v1/tokens", {"name": "escalate", "role": "admin"}),
    ("DELETE", "/api/v1/tokens/{token_id}", None),
    ("GET", "/api/v1/audit", None),
    ("POST", "/api/v1/coverage-terms", CHANGE),
    ("POST", "/api/v1/coverage-terms/preview", CHANGE),
    ("POST", "/api/v1/notices/{notice_id}/resend", {"reason": "address corrected"}),
    ("POST", "/api/v1/coverage-terms/{coverage_terms_id}/withdraw", {"reason": "mistake"}),
    ("GET", "/api/v1/incidents/overdue", None),
    ("PATCH", "/api/v1/incidents/{incident_id}", {"cause": "attack"}),
    ("PATCH", "/api/v1/incidents/{incident_id}/costs/{cost_id}", {"approved_yen": 50_000}),
    ("POST", "/api/v1/incidents/{incident_id}/decision", {"decision": "accepted"}),
    (
        "POST",
        "/api/v1/incidents/{incident_id}/deductions",
        {"amount_yen": 100, "duty": "3", "reason": "late"},
    ),
    ("POST", "/api/v1/incidents/{incident_id}/payments/{payment_id}/reverse", {"reason": "typo"}),
    (
        "PUT",
        "/api/v1/incidents/{incident_id}/documents",
        {"documents": [{"code": "ア", "requested": True}]},
    ),
    ("POST", "/api/v1/incidents/{incident_id}/claim-complete", {"completed_on": ON}),
    ("POST", "/api/v1/incidents/{incident_id}/payments", {"amount_yen": 1000, "paid_on": ON}),
    ("POST", "/api/v1/imports/members", b"name,contact_email\r\nCSV K.K.,csv@example.jp\r\n"),
    ("POST", "/api/v1/imports/terms", b"member,start_date,end_date\r\n"),
    ("POST", "/api/v1/imports/suppliers", b"member,domain,name,registered_on\r\n"),
    ("GET", "/api/v1/exports/members.csv", None),
    ("GET", "/api/v1/exports/terms.csv", None),
    ("GET", "/api/v1/exports/registrations.csv", None),
    ("GET", "/api/v1/exports/notices.csv", None),
    ("GET", "/api/v1/exports/incidents.csv", None),
    ("GET", "/api/v1/reports/bordereau?month=2026-06", None),
    ("GET", "/api/v1/terms/expiring", None),
    ("GET", "/api/v1/sync-runs", None),
    ("GET", "/api/v1/sync-runs/{run_id}", None),
    ("POST", "/api/v1/sync-runs", {"mode": "incremental"}),
    ("GET", "/api/v1/users", None),
    ("POST", "/api/v1/users", {"email": "x@intruder.jp", "name": "X", "role": "admin"}),
    ("PATCH", "/api/v1/users/{user_id}", {"active": False}),
]

# Any token; the answer is limited to what the token may see.
ANY_TOKEN = [
    "/api/v1/program",
    "/api/v1/coverage-terms",
    "/api/v1/coverage?domain=" + SHARED + "&on=" + ON,
    "/api/v1/notices",
    "/api/v1/incidents",
]


@pytest.fixture
def world(client, admin, member_headers):
    """Members a and b, each with a term, a registration of SHARED and its own token."""
    ids = {}
    for key in ("a", "b"):
        m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
        reg = f.registration(client, admin, m["id"], SHARED, "2026-04-01")
        token = client.post(
            "/api/v1/tokens",
            json={"name": key, "role": "member", "member_id": m["id"]},
            headers=admin,
        )
        incident = client.post(
            "/api/v1/incidents",
            json={
                "member_id": m["id"],
                "registration_id": reg["id"],
                "occurred_on": "2026-05-01",
                "discovered_on": "2026-05-02",
                "place": "Osaka",
                "circumstances": "leak",
                "cause": "suspected_attack",
                "victims": [{"name": "Taro", "address": "Osaka"}],
            },
            headers=admin,
        )
        assert incident.status_code == 201, incident.get_json()
        incident_id = incident.get_json()["id"]
        cost = client.post(
            f"/api/v1/incidents/{incident_id}/costs",
            json={
                "category": "investigation",
                "amount_yen": 100_000,
                "incurred_on": "2026-05-03",
                "description": "forensics",
            },
            headers=admin,
        )
        decided = client.post(
            f"/api/v1/incidents/{incident_id}/decision",
            json={"decision": "accepted"},
            headers=admin,
        )
        payment = client.post(
            f"/api/v1/incidents/{incident_id}/payments",
            json={"amount_yen": 1000, "paid_on": "2026-05-10"},
            headers=admin,
        )
        assert (cost.status_code, decided.status_code, payment.status_code) == (201, 200, 201)
        user = client.post(
            "/api/v1/users",
            json={
                "email": f"{key}@m{m['id']}.example.jp",
                "name": key,
                "role": "member",
                "member_id": m["id"],
            },
            headers=admin,
        )
        assert user.status_code == 201, user.get_json()
        ids[key] = {
            "member_id": m["id"],
            "term_id": m["term"]["id"],
            "registration_id": reg["id"],
            "token_id": token.get_json()["id"],
            "incident_id": incident_id,
            "cost_id": cost.get_json()["id"],
            "payment_id": payment.get_json()["id"],
            "user_id": user.get_json()["id"],
        }
    with db.transaction() as session:  # a coverage change: one notice per member (issue 5)
        coverage_terms_flows.publish(
            session,
            Change(date(2026, 7, 1), 2_000_000, 8_000_000, "変更", "change"),
            date(2026, 4, 1),
        )
        for key in ("a", "b"):
            ids[key]["notice_id"] = session.execute(
                select(Notice.id).where(Notice.member_id == ids[key]["member_id"])
            ).scalar_one()
            _delivered(session, ids[key]["notice_id"])
        future, _ = coverage_terms_flows.publish(  # not yet in force: it can be withdrawn
            session,
            Change(date(2098, 1, 1), 2_000_000, 8_000_000, "変更", "change"),
            date(2026, 4, 1),
        )
        for key in ("a", "b"):
            ids[key]["coverage_terms_id"] = future.id
    run = client.post("/api/v1/sync-runs", json={}, headers=admin)  # no credentials: no calls
    with client.application.app_context():  # what a worker does: the run is done, not queued
        assert runner.run_queued(db.engine(), SyncSettings.from_settings(config.settings()))
    for key in ("a", "b"):
        ids[key]["run_id"] = run.get_json()["id"]
    ids["missing"] = {k: 999_999 for k in ids["a"]}
    return ids, member_headers(ids["a"]["member_id"])


def _open(client, method, path, body, headers):
    """JSON bodies as JSON; a bytes body is a CSV file (the imports)."""
    if isinstance(body, bytes):
        return client.open(
            path, method=method, data=body, headers={**headers, "Content-Type": "text/csv"}
        )
    return client.open(path, method=method, json=body, headers=headers)


def _delivered(session, notice_id: int) -> None:
    """As ``send-notices`` records an accepted letter: an attempt and a link of the chain."""
    attempt = NoticeAttempt(
        notice_id=notice_id,
        attempt=1,
        attempted_at=clock.now(),
        address="risk@example.jp",
        outcome="accepted",
    )
    session.add(attempt)
    session.flush()
    proof.append(session, notice_id, attempt.id, b"Subject: notice\r\n\r\nbody\r\n", clock.now())
    notice = session.get(Notice, notice_id)
    notice.status, notice.sent_at = "sent", clock.now()


def _audit_size(client, admin):
    return len(client.get("/api/v1/audit?page_size=500", headers=admin).get_json())


def _ids_in(path):
    return re.findall(r"{(\w+)}", path)


@pytest.mark.parametrize("path", MEMBER_READABLE)
def test_member_reads_its_own(client, world, path):
    ids, headers = world
    r = client.get(path.format(**ids["a"]), headers=headers)
    assert r.status_code == 200, r.get_json()


@pytest.mark.parametrize("path", MEMBER_READABLE)
def test_admin_reads_anyones(client, admin, world, path):
    ids, _ = world
    for who in ("a", "b"):
        assert client.get(path.format(**ids[who]), headers=admin).status_code == 200


def _mixed_ids(ids, path):
    """Another member's ids, and own ids with one swapped for another member's (both ways)."""
    names = _ids_in(path)
    own = {n: ids["a"][n] for n in names}
    yield "all", {n: ids["b"][n] for n in names}
    for swapped in names:
        for base, other in (("a", "b"), ("b", "a")):
            mixed = {n: ids[base][n] for n in names}
            mixed[swapped] = ids[other][swapped]
            if mixed not in (own, {n: ids["b"][n] for n in names}):
                yield swapped, mixed


def _anonymised(response):
    body = response.get_json()
    return response.status_code, re.sub(r"\d+", "N", body["message"]), body["rule"]


@pytest.mark.parametrize("path", MEMBER_READABLE)
def test_member_gets_404_for_another_members_ids(client, world, path):
    ids, headers = world
    missing = client.get(path.format(**ids["missing"]), headers=headers)
    assert missing.status_code == 404
    for swapped, mixed in _mixed_ids(ids, path):
        r = client.get(path.format(**mixed), headers=headers)
        assert r.status_code == 404, (swapped, mixed, r.get_json())
        if mixed.get("member_id") != ids["a"]["member_id"]:
            assert _anonymised(r) == _anonymised(missing)  # indistinguishable from "no such id"


@pytest.mark.parametrize("path", [p for p in MEMBER_READABLE if len(_ids_in(p)) > 1])
def test_admin_gets_404_when_ids_belong_to_different_members(client, admin, world, path):
    ids, _ = world
    for swapped, mixed in _mixed_ids(ids, path):
        if swapped not in ("all", "member_id"):
            assert client.get(path.format(**mixed), headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"), ADMIN_ONLY, ids=[f"{m} {p}" for m, p, _ in ADMIN_ONLY]
)
@pytest.mark.parametrize("whose", ["a", "b", "missing"])
def test_member_gets_403_for_admin_actions(client, admin, world, method, path, body, whose):
    ids, headers = world
    before = _audit_size(client, admin)
    r = _open(client, method, path.format(**ids[whose]), body, headers)
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["rule"] == "admin_only"
    assert _audit_size(client, admin) == before


@pytest.mark.parametrize(
    ("method", "path", "body"), ADMIN_ONLY, ids=[f"{m} {p}" for m, p, _ in ADMIN_ONLY]
)
def test_admin_may_do_admin_actions(client, admin, world, method, path, body):
    """The 403s above are about the role: the same requests succeed for an administrator."""
    ids, _ = world
    r = _open(client, method, path.format(**ids["b"]), body, admin)
    assert r.status_code in {200, 201, 202, 204}, r.get_json()


@pytest.mark.parametrize(
    ("method", "path", "body"), MEMBER_ONLY, ids=[f"{m} {p}" for m, p, _ in MEMBER_ONLY]
)
def test_member_only_actions(client, admin, world, method, path, body):
    ids, headers = world
    missing = client.open(path.format(**ids["missing"]), method=method, json=body, headers=headers)
    other = client.open(path.format(**ids["b"]), method=method, json=body, headers=headers)
    assert missing.status_code == other.status_code == 404
    assert _anonymised(other) == _anonymised(missing)
    r = client.open(path.format(**ids["a"]), method=method, json=body, headers=admin)
    assert r.status_code == 403
    r = client.open(path.format(**ids["a"]), method=method, json=body, headers=headers)
    assert r.status_code == 200, r.get_json()


@pytest.mark.parametrize(
    ("method", "path", "body"), MEMBER_WRITABLE, ids=[f"{m} {p}" for m, p, _ in MEMBER_WRITABLE]
)
def test_member_writes_its_own_and_gets_404_for_anothers(client, admin, world, method, path, body):
    ids, headers = world
    before = _audit_size(client, admin)
    r = client.open(
        path.format(**ids["b"]), method=method, **_body(body(ids["b"])), headers=headers
    )
    assert r.status_code == 404, r.get_json()
    assert _audit_size(client, admin) == before
    r = client.open(
        path.format(**ids["a"]), method=method, **_body(body(ids["a"])), headers=headers
    )
    assert r.status_code in (200, 201), r.get_json()


def _body(payload) -> dict:
    """JSON, or a raw CSV body (bytes) as text/csv."""
    if isinstance(payload, bytes):
        return {"data": payload, "content_type": "text/csv"}
    return {"json": payload}


@pytest.mark.parametrize("path", ANY_TOKEN)
def test_any_token_reads(client, admin, world, path):
    ids, headers = world
    for who in (headers, admin):
        assert client.get(path, headers=who).status_code == 200


def test_coverage_shows_a_member_only_its_own_entries(client, admin, world):
    ids, headers = world
    url = f"/api/v1/coverage?domain={SHARED}&on={ON}"
    everyone = [c["member_id"] for c in client.get(url, headers=admin).get_json()["coverages"]]
    mine = [c["member_id"] for c in client.get(url, headers=headers).get_json()["coverages"]]
    assert everyone == [ids["a"]["member_id"], ids["b"]["member_id"]]
    assert mine == [ids["a"]["member_id"]]


def test_every_route_is_in_the_matrix(app):
    """A new /api/v1 route must be classified above (one row) before it ships."""
    classified = {("GET", p.split("?")[0]) for p in MEMBER_READABLE + ANY_TOKEN}
    classified |= {(m, p.split("?")[0]) for m, p, _ in ADMIN_ONLY + MEMBER_WRITABLE + MEMBER_ONLY}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert sorted(routes - classified) == []
    assert sorted(classified - routes) == []
