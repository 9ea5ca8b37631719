"""Benchmark: claims at scale, the alert race, and the coverage answer over HTTP (issue 12).

1. Builds 10,000 incidents across 1,000 members (bulk insert) with 5 cost lines each in the
   seed's cost groups (the cause's own and ``regulatory``), decisions (accepted with approved
   amounts, declined with a §4 exclusion, undecided) and their timeline events.
2. Pays 200 incidents of one busy member through the API (¥50,000 each: its aggregate reaches
   exactly ¥10,000,000) and 500 random accepted incidents of other members.
3. Races 60 payments of ¥200,000 at once (threads, one connection each) on four accepted
   incidents of another member: exactly ¥10,000,000 must be paid and exactly three
   ``limit_alert`` letters queued (50, 80, 100 %).
4. Serves the app over real HTTP (werkzeug, one keep-alive connection) and times
   ``GET /api/v1/members/{id}/coverage`` for the busy member and a member with no incidents:
   the ratio of the medians should stay ≤ 1.5 (``aggregate_paid`` is the term row's counter).

    .venv/bin/python bench/incidents.py                    # SQLite file in a temp directory
    .venv/bin/python bench/incidents.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Figures, never assertions. The last line printed is one JSON object
``{"bench": "incidents", "figures": {...}, "targets": {...}}``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from common import backend_of, emit, throwaway_database  # noqa: I001  (sets sys.path)
from cryptography.fernet import Fernet
from sqlalchemy import insert, select, text
from werkzeug.serving import make_server

import groupcover.models  # noqa: F401
from groupcover import create_app, db
from groupcover.coverage_terms.service import ensure_initial_terms
from groupcover.incidents.models import CostLine, Event, Incident
from groupcover.members.models import Member
from groupcover.migrate import upgrade
from groupcover.program.service import get_program
from groupcover.rules.costs import (
    CAUSE_GROUP,
    EXCLUSIONS,
    Cause,
    Group,
    allowed_categories,
    allowed_items,
)
from groupcover.terms.models import Term
from groupcover.tokens import service as tokens_service

MEMBERS = 1_000
INCIDENTS = 10_000
COSTS_PER_INCIDENT = 5
BUSY_PAID = 200
OTHER_PAID = 500
RACE = 60
TERM = (date(2026, 4, 1), date(2027, 3, 31))
ON = "2026-10-01"
TARGET_RATIO = 1.5


def _lines(rng: random.Random, incident_id: int, cause: str, day: date, accepted: bool) -> list:
    own = CAUSE_GROUP[Cause(cause)]
    lines = []
    for n in range(COSTS_PER_INCIDENT):
        group = Group.REGULATORY if n == COSTS_PER_INCIDENT - 1 else own
        category = rng.choice(allowed_categories(group))
        items = allowed_items(group, category)
        amount = rng.randrange(10_000, 1_500_000)
        lines.append(
            {
                "incident_id": incident_id,
                "group": group.value,
                "category": category.value,
                "item": rng.choice(items) if items else None,
                "amount_yen": amount,
                "approved_yen": amount if accepted else None,
                "incurred_on": day,
                "description": "bench",
                "created_at": datetime.now(UTC),
            }
        )
    return lines


def populate(app, rng: random.Random) -> dict[str, int]:
    """Members with one term each; incidents, cost lines, decisions and events in bulk."""
    now = datetime.now(UTC)
    with app.app_context(), db.transaction() as s:
        get_program(s)
        ensure_initial_terms(s)
        s.execute(
            insert(Member),
            [
                {
                    "name": f"Member {n} K.K.",
                    "contact_email": f"risk@m{n}.example.jp",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(MEMBERS)
            ],
        )
        member_ids = [m for (m,) in s.execute(text("SELECT id FROM member ORDER BY id"))]
        s.execute(
            insert(Term),
            [
                {
                    "member_id": m,
                    "start_date": TERM[0],
                    "end_date": TERM[1],
                    "aggregate_paid": 0,
                    "created_at": now,
                }
                for m in member_ids
            ],
        )
        term_of = dict(s.execute(text("SELECT member_id, id FROM term")).all())
        busy, quiet, race, others = member_ids[0], member_ids[1], member_ids[2], member_ids[3:]
        owners = [busy] * BUSY_PAID + [race] * 4
        owners += [rng.choice(others) for _ in range(INCIDENTS - len(owners))]
        victims = (
            app.extensions["bench.fernet"]
            .encrypt(
                json.dumps([{"name": "被害者", "address": "東京都"}], ensure_ascii=False).encode()
            )
            .decode()
        )
        causes = list(Cause)
        rows = []
        for owner in owners:
            day = TERM[0] + timedelta(days=rng.randrange(150))
            fate = (
                "accepted"
                if owner in (busy, race)
                else rng.choice(["accepted"] * 7 + [None] * 2 + ["declined"])
            )
            rows.append(
                {
                    "member_id": owner,
                    "term_id": term_of[owner],
                    "occurred_on": day,
                    "discovered_on": day,
                    "place": "本社",
                    "circumstances": "bench",
                    "cause": Cause.LEAK.value if owner == race else rng.choice(causes).value,
                    "victims_encrypted": victims,
                    "victims_count": 1,
                    "covered": True,
                    "period_start": TERM[0],
                    "period_end": TERM[1],
                    "documents": {},
                    "status": fate or "reported",
                    "decision": fate,
                    "exclusion": rng.choice(list(EXCLUSIONS)) if fate == "declined" else None,
                    "decided_on": day + timedelta(days=20) if fate else None,
                    "claimed_yen": 0,
                    "approved_yen": 0,
                    "deducted_yen": 0,
                    "paid_yen": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        s.execute(insert(Incident), rows)
        incidents = s.execute(
            select(Incident.id, Incident.cause, Incident.occurred_on, Incident.decision)
        ).all()
        costs = []
        events = []
        for incident_id, cause, occurred_on, decision in incidents:
            costs += _lines(rng, incident_id, cause, occurred_on, decision == "accepted")
            events.append(
                {
                    "incident_id": incident_id,
                    "at": now,
                    "on": occurred_on,
                    "kind": "reported",
                    "actor": "bench",
                    "detail": {},
                }
            )
            if decision:
                events.append(
                    {
                        "incident_id": incident_id,
                        "at": now,
                        "on": occurred_on + timedelta(days=20),
                        "kind": "decision",
                        "actor": "bench",
                        "detail": {"decision": decision},
                    }
                )
        s.execute(insert(CostLine), costs)
        s.execute(insert(Event), events)
        s.execute(
            text(
                "UPDATE incident SET claimed_yen = (SELECT SUM(amount_yen) FROM incident_cost "
                "WHERE incident_cost.incident_id = incident.id), approved_yen = (SELECT "
                "COALESCE(SUM(approved_yen), 0) FROM incident_cost "
                "WHERE incident_cost.incident_id = incident.id)"
            )
        )
        # The race member's four incidents: ¥3,000,000 approved each (¥12,000,000 in all).
        s.execute(
            text(
                "UPDATE incident_cost SET amount_yen = 600000, approved_yen = 600000 "
                "WHERE incident_id IN (SELECT id FROM incident WHERE member_id = :m)"
            ),
            {"m": race},
        )
        s.execute(
            text(
                "UPDATE incident SET claimed_yen = 3000000, approved_yen = 3000000 "
                "WHERE member_id = :m"
            ),
            {"m": race},
        )
    return {"busy": busy, "quiet": quiet, "race": race}


def pay(client, headers, incident_id: int, amount: int) -> int:
    r = client.post(
        f"/api/v1/incidents/{incident_id}/payments",
        json={"amount_yen": amount, "paid_on": ON},
        headers=headers,
    )
    return r.status_code


def race(app, headers, incident_ids: list[int]) -> tuple[list[int], float]:
    """RACE payments of ¥200,000 fired at once from threads, each on its own connection."""
    barrier = threading.Barrier(RACE)
    targets = [incident_ids[n % len(incident_ids)] for n in range(RACE)]

    def one(incident_id: int) -> int:
        client = app.test_client()
        barrier.wait()
        return pay(client, headers, incident_id, 200_000)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=RACE) as pool:
        statuses = list(pool.map(one, targets))
    return statuses, time.perf_counter() - start


@contextmanager
def served(app):
    """The app over real HTTP on a free local port (werkzeug, threaded)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()


def timed_get(conn: http.client.HTTPConnection, path: str, headers: dict) -> float:
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    assert response.status == 200, body[:200]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temp directory")
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    figures: dict[str, object] = {}
    with throwaway_database(args.database_url, "incidents") as url:
        key = Fernet.generate_key()
        settings = {
            "ENV": "testing",
            "DATABASE_URL": url,
            "ENCRYPTION_KEY": key.decode(),
            "LOG_LEVEL": "WARNING",
        }
        app = create_app(settings)
        racing = create_app({**settings, "DB_POOL_SIZE": RACE})
        app.extensions["bench.fernet"] = Fernet(key)
        engine = app.extensions["groupcover.engine"]
        upgrade(engine)
        t0 = time.perf_counter()
        who = populate(app, rng)
        figures["populate_s"] = round(time.perf_counter() - t0, 2)
        with app.app_context(), db.transaction() as s:
            _row, plain = tokens_service.create_token(s, role="admin", name="bench", member_id=None)
        headers = {"Authorization": f"Bearer {plain}"}
        client = app.test_client()
        with engine.connect() as conn:
            busy_ids = [
                i
                for (i,) in conn.execute(
                    text("SELECT id FROM incident WHERE member_id = :m ORDER BY id"),
                    {"m": who["busy"]},
                )
            ]
            race_ids = [
                i
                for (i,) in conn.execute(
                    text("SELECT id FROM incident WHERE member_id = :m ORDER BY id"),
                    {"m": who["race"]},
                )
            ]
            others = [
                i
                for (i,) in conn.execute(
                    text(
                        "SELECT id FROM incident WHERE decision = 'accepted' "
                        "AND member_id NOT IN (:a, :b) ORDER BY id"
                    ),
                    {"a": who["busy"], "b": who["race"]},
                )
            ]
        pay_times = []
        for incident_id in busy_ids + rng.sample(others, OTHER_PAID):
            start = time.perf_counter()
            status = pay(client, headers, incident_id, 50_000)
            pay_times.append(time.perf_counter() - start)
            assert status == 201, status
        figures["payments_api"] = len(pay_times)
        figures["payment_median_ms"] = round(statistics.median(pay_times) * 1000, 2)

        statuses, race_s = race(racing, headers, race_ids)
        with engine.connect() as conn:
            figures["race_paid"] = statuses.count(201)
            figures["race_refused_409"] = statuses.count(409)
            figures["race_other_statuses"] = (
                len(statuses) - statuses.count(201) - statuses.count(409)
            )
            figures["race_seconds"] = round(race_s, 2)
            figures["race_aggregate_paid"] = conn.execute(
                text("SELECT aggregate_paid FROM term WHERE member_id = :m"), {"m": who["race"]}
            ).scalar_one()
            figures["race_limit_alerts"] = conn.execute(
                text("SELECT COUNT(*) FROM notice WHERE kind = 'limit_alert' AND member_id = :m"),
                {"m": who["race"]},
            ).scalar_one()
            figures["busy_limit_alerts"] = conn.execute(
                text("SELECT COUNT(*) FROM notice WHERE kind = 'limit_alert' AND member_id = :m"),
                {"m": who["busy"]},
            ).scalar_one()

        paths = {
            name: f"/api/v1/members/{who[name]}/coverage?on={ON}" for name in ("busy", "quiet")
        }
        samples: dict[str, list[float]] = {"busy": [], "quiet": []}
        with served(app) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for path in paths.values():  # warm up
                for _ in range(20):
                    timed_get(conn, path, headers)
            for _ in range(args.repeat):
                for name in rng.sample(list(paths), 2):
                    samples[name].append(timed_get(conn, paths[name], headers))
            conn.request("GET", paths["busy"], headers=headers)
            answer = json.loads(conn.getresponse().read())
            conn.close()
        with engine.connect() as conn:
            figures["rows"] = {
                t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                for t in (
                    "member",
                    "incident",
                    "incident_cost",
                    "incident_payment",
                    "incident_event",
                    "notice",
                )
            }
            figures["cost_groups"] = dict(
                conn.execute(
                    text('SELECT "group", COUNT(*) FROM incident_cost GROUP BY "group"')
                ).all()
            )
        engine.dispose()
        racing.extensions["groupcover.engine"].dispose()

    busy_median = statistics.median(samples["busy"]) * 1000
    quiet_median = statistics.median(samples["quiet"]) * 1000
    figures.update(
        backend=backend_of(url),
        busy_aggregate_paid=answer["aggregate_paid"],
        coverage_busy_median_ms=round(busy_median, 3),
        coverage_quiet_median_ms=round(quiet_median, 3),
        coverage_ratio=round(busy_median / quiet_median, 3),
    )
    targets = {
        "coverage_ratio_max": TARGET_RATIO,
        "race_limit_alerts": 3,
        "race_aggregate_paid": 10_000_000,
        "met": figures["coverage_ratio"] <= TARGET_RATIO
        and figures["race_limit_alerts"] == 3
        and figures["race_aggregate_paid"] == 10_000_000
        and figures["race_other_statuses"] == 0,
    }
    for name, value in figures.items():
        print(f"{name:26} {value}")
    emit("incidents", figures, targets)


if __name__ == "__main__":
    main()
