"""Rule C3 under concurrent requests: payments fired at once from threads, each request on its
own database connection, never take the member past a limit, and every refusal is a 409."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from groupcover import create_app, db
from tests import factories as f
from tests.conftest import TEST_KEY

TODAY = "2026-11-01T09:00:00+09:00"


@pytest.fixture
def wide_app(app, db_url):
    """A second app on the same database whose pool has fewer connections than there are
    contending requests: the rest wait for one (DB_POOL_SIZE is a hard ceiling, issue 10).
    It used to allow 3 × DB_POOL_SIZE connections, which on a busy server passed
    max_connections ("too many clients": 503)."""
    other = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": db_url,
            "ENCRYPTION_KEY": TEST_KEY,
            "LOG_LEVEL": "WARNING",
            "DB_POOL_SIZE": 12,
        }
    )
    yield other
    other.extensions["groupcover.engine"].dispose()


def _fire(app, requests: list[tuple[str, dict]]) -> list[tuple[int, dict, dict]]:
    """POST every (path, body) at once from its own thread; (status, body sent, answer)."""
    barrier = threading.Barrier(len(requests))
    admin = {"Authorization": _admin_header(app)}

    def one(request: tuple[str, dict]) -> tuple[int, dict, dict]:
        path, body = request
        client = app.test_client()
        barrier.wait()
        r = client.post(path, json=body, headers=admin)
        return r.status_code, body, r.get_json()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def _admin_header(app) -> str:
    from groupcover.tokens import service as tokens_service

    with app.app_context(), db.transaction() as session:
        _row, plain = tokens_service.create_token(
            session, role="admin", name="race", member_id=None
        )
    return f"Bearer {plain}"


def _incidents(client, admin, member_id: int, n: int) -> list[int]:
    body = {
        "member_id": member_id,
        "occurred_on": "2026-07-01",
        "discovered_on": "2026-07-01",
        "place": "本社",
        "circumstances": "不正アクセス",
        "cause": "attack",
        "victims": [],
    }
    ids = []
    for _ in range(n):
        r = client.post("/api/v1/incidents", json=body, headers=admin)
        assert r.status_code == 201 and r.get_json()["covered"] is True
        ids.append(r.get_json()["id"])
    return ids


def _accepted(client, admin, member_id: int, n: int, claimed: int = 5_000_000) -> list[int]:
    """``n`` incidents, each with ``claimed`` approved: payable up to the limits."""
    ids = _incidents(client, admin, member_id, n)
    for i in ids:
        line = {
            "category": "incident_response",
            "item": "サ",
            "amount_yen": claimed,
            "incurred_on": "2026-07-02",
            "description": "対応",
        }
        assert (
            client.post(f"/api/v1/incidents/{i}/costs", json=line, headers=admin).status_code == 201
        )
        r = client.post(
            f"/api/v1/incidents/{i}/decision", json={"decision": "accepted"}, headers=admin
        )
        assert r.status_code == 200, r.get_json()
    return ids


def _alerts(app, member_id: int) -> list[tuple[str, dict]]:
    with app.app_context(), db.transaction() as s:
        rows = s.execute(
            text(
                "SELECT key, context FROM notice WHERE kind = 'limit_alert' AND member_id = :m "
                "ORDER BY id"
            ),
            {"m": member_id},
        ).all()
    return [(key, json.loads(c) if isinstance(c, str) else c) for key, c in rows]


def _totals(app, term_id: int) -> tuple[int, int]:
    with app.app_context(), db.transaction() as s:
        counter = s.execute(
            text("SELECT aggregate_paid FROM term WHERE id = :id"), {"id": term_id}
        ).scalar_one()
        rows = s.execute(
            text(
                "SELECT COALESCE(SUM(amount_yen), 0) FROM incident_payment "
                "WHERE reversed_on IS NULL"
            )
        )
        return counter, rows.scalar_one()


@pytest.mark.parametrize(
    ("incidents", "per_incident", "amount", "expected_ok", "limit"),
    [
        (8, 7, 250_000, 40, "aggregate"),  # 56 × ¥250,000 = ¥14,000,000 > ¥10,000,000
        (1, 52, 200_000, 15, "per_incident"),  # 52 × ¥200,000 on one incident > ¥3,000,000
    ],
)
def test_concurrent_payments_never_pass_the_limits(
    app, wide_app, client, admin, freeze, incidents, per_incident, amount, expected_ok, limit
):
    freeze(TODAY)
    member = f.insured_member(client, admin)
    ids = _accepted(client, admin, member["id"], incidents)
    payment = {"amount_yen": amount, "paid_on": "2026-10-01"}
    requests = [
        (f"/api/v1/incidents/{i}/payments", payment) for i in ids for _ in range(per_incident)
    ]
    assert len(requests) >= 50
    results = _fire(wide_app, requests)

    statuses = sorted({status for status, _, _ in results})
    assert statuses == [201, 409], [b for s, _, b in results if s not in (201, 409)][:3]
    paid = sum(sent["amount_yen"] for status, sent, _ in results if status == 201)
    refused = [body for status, _, body in results if status == 409]
    assert len(results) - len(refused) == expected_ok
    assert all(body["limit"] == limit for body in refused)
    assert all(body["rule"] == f"{limit}_limit_exceeded" for body in refused)
    counter, total = _totals(app, member["term"]["id"])
    assert counter == total == paid <= 10_000_000
    answer = client.get(
        f"/api/v1/members/{member['id']}/coverage?on=2026-10-01", headers=admin
    ).get_json()
    assert answer["aggregate_paid"] == paid
    assert answer["aggregate_remaining"] == 10_000_000 - paid


def test_concurrent_cost_lines_all_counted(app, wide_app, client, admin, freeze):
    freeze(TODAY)
    member = f.insured_member(client, admin)
    (incident_id,) = _incidents(client, admin, member["id"], 1)
    requests = [
        (
            f"/api/v1/incidents/{incident_id}/costs",
            {
                "category": "incident_response",
                "item": "サ",
                "amount_yen": 1_000 + n,
                "incurred_on": "2026-07-02",
                "description": f"line {n}",
            },
        )
        for n in range(50)
    ]
    results = _fire(wide_app, requests)
    assert {status for status, _, _ in results} == {201}
    detail = client.get(f"/api/v1/incidents/{incident_id}", headers=admin).get_json()
    assert detail["claimed_yen"] == sum(1_000 + n for n in range(50))


def test_sixty_payment_race_crosses_every_threshold_once(app, wide_app, client, admin, freeze):
    """60 payments of ¥200,000 at once on four incidents of one member (¥12,000,000 asked):
    exactly ¥10,000,000 is paid and exactly three limit alerts are queued (50, 80, 100 %).
    A reversal then re-opens ¥200,000; five more racing payments: one passes, and the 100 %
    threshold, reached again, queues no second letter."""
    freeze(TODAY)
    member = f.insured_member(client, admin)
    ids = _accepted(client, admin, member["id"], 4, claimed=3_000_000)
    payment = {"amount_yen": 200_000, "paid_on": "2026-10-01"}
    requests = [(f"/api/v1/incidents/{i}/payments", payment) for i in ids for _ in range(15)]
    results = _fire(wide_app, requests)
    assert len(results) == 60
    assert sorted(status for status, _, _ in results) == [201] * 50 + [409] * 10
    counter, total = _totals(app, member["term"]["id"])
    assert counter == total == 10_000_000
    alerts = _alerts(app, member["id"])
    assert [key for key, _ in alerts] == [
        f"limit_alert:{member['term']['id']}:{t}" for t in (50, 80, 100)
    ]
    assert [c["aggregate_paid"] for _, c in alerts] == [5_000_000, 8_000_000, 10_000_000]

    paid = [(sent, body) for status, sent, body in results if status == 201]
    first = paid[0][1]
    r = client.post(
        f"/api/v1/incidents/{first['incident_id']}/payments/{first['id']}/reverse",
        json={"reason": "誤計上"},
        headers=admin,
    )
    assert r.status_code == 200, r.get_json()
    again = _fire(wide_app, [(f"/api/v1/incidents/{first['incident_id']}/payments", payment)] * 5)
    assert sorted(status for status, _, _ in again) == [201] + [409] * 4
    counter, _ = _totals(app, member["term"]["id"])
    assert counter == 10_000_000
    assert len(_alerts(app, member["id"])) == 3
