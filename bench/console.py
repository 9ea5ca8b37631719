"""Benchmark the console's pages (issue 11): p95 render time of the dashboard, a member's page
and the coverage lookup on demo data grown to 1,000 members and 100,000 registrations.

The database is built like ``bench/coverage_http.py`` (a throw-away SQLite file by default, or
a schema of its own in the PostgreSQL of ``--database-url``, dropped afterwards), plus one
published coverage change (a notice per member) and a console administrator. Each page is
requested in-process through Flask's test client, signed in, with varied members, domains and
dates; the time is the whole request: routing, session, queries, template. Target: p95 <= 100 ms.

    .venv/bin/python bench/console.py
    .venv/bin/python bench/console.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints a table, then as its last line one JSON object. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_P95_MS = 100.0


def _prepare(url: str, members: int, registrations: int, seed: int):
    from coverage_http import build
    from cryptography.fernet import Fernet

    from groupcover import create_app, db
    from groupcover.coverage_terms import flows as publication
    from groupcover.coverage_terms import service as versions
    from groupcover.users import service as users

    domains = sorted(set(build(url, members, registrations, seed)["all_domains"]))
    app = create_app(
        {
            "DATABASE_URL": url,
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SECRET_KEY": "bench-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context(), db.transaction() as session:
        today = date(2025, 6, 1)
        publication.publish(
            session,
            versions.Change(today + timedelta(days=70), 2_000_000, 8_000_000, "変更", "change"),
            today,
        )
        admin = users.create_user(
            session, email="bench@example.jp", name="bench", role="admin", member_id=None
        )
        plain = users.issue_link(session, admin, 15)
    client = app.test_client()
    assert client.get(f"/sign-in/{plain}").status_code == 302
    return app, client, domains


def _measure(client, paths: list[str], warmup: int) -> list[float]:
    for path in paths[:warmup]:
        client.get(path)
    times = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[94]


def main() -> None:
    from common import emit, throwaway_database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL; default a temporary SQLite file")
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with throwaway_database(args.database_url, "console") as url:
        app, client, domains = _prepare(url, args.members, args.registrations, args.seed)
        days = [date(2025, 1, 1) + timedelta(days=rng.randrange(0, 730)) for _ in range(50)]
        pages = {
            "dashboard": ["/console"] * args.requests,
            "member page": [
                f"/console/members/{rng.randrange(1, args.members + 1)}"
                f"?on={rng.choice(days).isoformat()}"
                for _ in range(args.requests)
            ],
            "coverage lookup": [
                f"/console/coverage?domain={rng.choice(domains)}&on={rng.choice(days).isoformat()}"
                for _ in range(args.requests)
            ],
        }
        figures = {}
        for name, paths in pages.items():
            times = _measure(client, paths, warmup=20)
            figures[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_p95(times), 1),
                "max_ms": round(max(times), 1),
                "requests": len(times),
            }
        backend = app.extensions["groupcover.engine"].dialect.name
        app.extensions["groupcover.engine"].dispose()

    print(f"\nconsole pages on {backend}: {args.members} members, {args.registrations} regs")
    head = f"{'page':<18}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    print(f"{head}  target p95 <= {TARGET_P95_MS:.0f} ms")
    for name, f in figures.items():
        ok = "ok" if f["p95_ms"] <= TARGET_P95_MS else "OVER"
        print(f"{name:<18}{f['p50_ms']:>9}{f['p95_ms']:>9}{f['max_ms']:>9}  {ok}")
    emit("console", {"backend": backend, **figures}, {"p95_ms": TARGET_P95_MS})


if __name__ == "__main__":
    main()
