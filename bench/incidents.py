"""Benchmark: the coverage answer must not slow down with a member's paid history (rule C3).

Builds 10,000 incidents with 5 cost lines each across 1,000 members, then pays 200 incidents
of one member (through the API, so the term counter is kept by the real code) and times
``GET /api/v1/members/{id}/coverage`` for that member and for a member with no incidents.
The ratio of the medians should stay at or below 1.5: ``aggregate_paid`` comes from the term
row's counter, never from scanning payments.

    .venv/bin/python bench/incidents.py                    # SQLite file in a temp directory
    .venv/bin/python bench/incidents.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from common import backend_of, emit, throwaway_database  # noqa: I001  (sets sys.path)
from cryptography.fernet import Fernet
from sqlalchemy import insert, select, text

import groupcover.models  # noqa: F401
from groupcover import create_app, db
from groupcover.coverage_terms.service import ensure_initial_terms
from groupcover.incidents.models import CostLine, Incident
from groupcover.members.models import Member
from groupcover.migrate import upgrade
from groupcover.program.service import get_program
from groupcover.rules.costs import ALLOWED_CATEGORIES, Cause, allowed_items
from groupcover.suppliers.models import Registration
from groupcover.terms.models import Term
from groupcover.tokens import service as tokens_service

MEMBERS = 1_000
INCIDENTS = 10_000
COSTS_PER_INCIDENT = 5
BUSY_PAID = 200
REGISTRATIONS_PER_MEMBER = 50  # suppliers_covered counts real rows for both members
TERM = (date(2026, 4, 1), date(2027, 3, 31))
ON = "2026-10-01"


def populate(app, rng: random.Random) -> tuple[int, int]:
    """Members with one term each; incidents and cost lines in bulk. (busy, quiet) ids."""
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
        s.execute(
            insert(Registration),
            [
                {
                    "member_id": m,
                    "domain": f"supplier-{n}.example.jp",
                    "name": f"Supplier {n}",
                    "registered_on": TERM[0],
                    "source": "manual",
                    "created_at": now,
                    "updated_at": now,
                }
                for m in member_ids
                for n in range(REGISTRATIONS_PER_MEMBER)
            ],
        )
        busy, quiet, others = member_ids[0], member_ids[1], member_ids[2:]
        owners = [busy] * BUSY_PAID + [rng.choice(others) for _ in range(INCIDENTS - BUSY_PAID)]
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
            rows.append(
                {
                    "member_id": owner,
                    "term_id": term_of[owner],
                    "occurred_on": day,
                    "discovered_on": day,
                    "place": "本社",
                    "circumstances": "bench",
                    "cause": rng.choice(causes).value,
                    "attack_occurred": False,
                    "victims_encrypted": victims,
                    "covered": True,
                    "period_start": TERM[0],
                    "period_end": TERM[1],
                    "documents": {},
                    "claimed_yen": 0,
                    "paid_yen": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        s.execute(insert(Incident), rows)
        incidents = s.execute(select(Incident.id, Incident.cause, Incident.occurred_on)).all()
        costs = []
        for incident_id, cause, occurred_on in incidents:
            for _ in range(COSTS_PER_INCIDENT):
                category = rng.choice(ALLOWED_CATEGORIES[Cause(cause)])
                items = allowed_items(Cause(cause), category)
                costs.append(
                    {
                        "incident_id": incident_id,
                        "category": category.value,
                        "item": rng.choice(items) if items else None,
                        "amount_yen": rng.randrange(10_000, 500_000),
                        "incurred_on": occurred_on,
                        "description": "bench",
                        "created_at": now,
                    }
                )
        s.execute(insert(CostLine), costs)
        s.execute(
            text(
                "UPDATE incident SET claimed_yen = (SELECT SUM(amount_yen) FROM "
                "incident_cost WHERE incident_cost.incident_id = incident.id)"
            )
        )
    return busy, quiet


def timed(client, path: str, headers: dict) -> float:
    start = time.perf_counter()
    r = client.get(path, headers=headers)
    elapsed = time.perf_counter() - start
    assert r.status_code == 200, r.get_json()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temp directory")
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with throwaway_database(args.database_url, "incidents") as url:
        key = Fernet.generate_key()
        app = create_app(
            {
                "ENV": "testing",
                "DATABASE_URL": url,
                "ENCRYPTION_KEY": key.decode(),
                "LOG_LEVEL": "WARNING",
            }
        )
        app.extensions["bench.fernet"] = Fernet(key)
        engine = app.extensions["groupcover.engine"]
        upgrade(engine)
        t0 = time.perf_counter()
        busy, quiet = populate(app, rng)
        t1 = time.perf_counter()
        with app.app_context(), db.transaction() as s:
            _row, plain = tokens_service.create_token(s, role="admin", name="bench", member_id=None)
        headers = {"Authorization": f"Bearer {plain}"}
        client = app.test_client()
        busy_ids = [
            i
            for (i,) in engine.connect().execute(
                text("SELECT id FROM incident WHERE member_id = :m ORDER BY id"), {"m": busy}
            )
        ]
        pay_times = []
        for incident_id in busy_ids:
            start = time.perf_counter()
            r = client.post(
                f"/api/v1/incidents/{incident_id}/payments",
                json={"amount_yen": 50_000, "paid_on": ON},
                headers=headers,
            )
            pay_times.append(time.perf_counter() - start)
            assert r.status_code == 201, r.get_json()
        t2 = time.perf_counter()
        paths = {
            name: f"/api/v1/members/{m}/coverage?on={ON}"
            for name, m in (("busy", busy), ("quiet", quiet))
        }
        for path in paths.values():  # warm up
            for _ in range(20):
                timed(client, path, headers)
        samples: dict[str, list[float]] = {"busy": [], "quiet": []}
        for _ in range(args.repeat):
            for name in rng.sample(list(paths), 2):
                samples[name].append(timed(client, paths[name], headers))
        answer = client.get(paths["busy"], headers=headers).get_json()
        with engine.connect() as conn:
            counts = {
                t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                for t in ("member", "incident", "incident_cost", "incident_payment")
            }
        engine.dispose()

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if q < 100 else 0.0

    busy_median = statistics.median(samples["busy"]) * 1000
    quiet_median = statistics.median(samples["quiet"]) * 1000
    print(f"backend            {backend_of(url)}")
    print(f"rows               {counts}")
    print(f"populate           {t1 - t0:.2f} s (bulk insert)")
    print(
        f"200 payments (API) {t2 - t1:.2f} s, median {statistics.median(pay_times) * 1000:.2f} ms"
    )
    print(
        f"busy member        aggregate_paid={answer['aggregate_paid']:,} "
        f"aggregate_remaining={answer['aggregate_remaining']:,}"
    )
    print(
        f"coverage busy      median {busy_median:.3f} ms  p95 {ms(samples['busy'], 95):.3f} ms"
        f"  (n={len(samples['busy'])})"
    )
    print(
        f"coverage quiet     median {quiet_median:.3f} ms  p95 {ms(samples['quiet'], 95):.3f} ms"
        f"  (n={len(samples['quiet'])})"
    )
    ratio = busy_median / quiet_median
    print(f"ratio busy/quiet   {ratio:.3f}  ({'OK' if ratio <= 1.5 else 'OVER'} ≤ 1.5)")
    emit(
        "incidents",
        {
            "backend": backend_of(url),
            "busy_quiet_ratio": round(ratio, 3),
            "busy_median_ms": round(busy_median, 3),
            "quiet_median_ms": round(quiet_median, 3),
            "payment_median_ms": round(statistics.median(pay_times) * 1000, 2),
        },
        {"busy_quiet_ratio": "<= 1.5"},
    )


if __name__ == "__main__":
    main()
