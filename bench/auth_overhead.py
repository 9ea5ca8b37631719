"""What token expiry, last_used_at and the failed-login throttle cost a successful request.

Builds the app on a throw-away database (``bench/common.py``: a temporary SQLite file, or a
schema of its own in the PostgreSQL of ``--database-url``, dropped afterwards), one member with a
registration, and times ``GET /api/v1/coverage`` with a cached admin token through Flask's
test client, alternating rounds of the current authentication with rounds of the one before
issue 10 (from git: ``--base`` revision), and counts the statements each sends per request
through SQLAlchemy (the coverage query itself runs on the driver's cursor, ``db.DriverSelect``,
and is not among them: 0 means authentication sent none).

    .venv/bin/python bench/auth_overhead.py [--requests 3000] [--rounds 5] [--base 605e957]

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import backend_of, emit, throwaway_database  # noqa: E402  (sets sys.path)
from sqlalchemy import event

from groupcover import auth, create_app, db  # noqa: E402
from groupcover.migrate import upgrade  # noqa: E402
from tests import factories as f  # noqa: E402


def _old_authenticate(revision: str):
    source = subprocess.run(
        ["git", "show", f"{revision}:groupcover/auth.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_auth.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_auth", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["old_auth"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module._authenticate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--base", default="605e957")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with throwaway_database(args.database_url, "auth") as url:
        run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    engine = db.make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "ENV": "testing", "TESTING": True}
    )
    client = app.test_client()
    from tests.conftest import make_token

    admin = make_token(app)
    member = f.insured_member(client, admin)
    f.registration(client, admin, member["id"], "hot.example.jp", "2026-04-01")
    path = "/api/v1/coverage?domain=hot.example.jp&on=2026-06-01"
    variants = {"issue 10": auth._authenticate, "before": _old_authenticate(args.base)}
    timings: dict[str, list[float]] = {name: [] for name in variants}
    statements: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, function in variants.items():
            auth._authenticate = function
            app.extensions["groupcover.auth"].clear()  # each its own Principal class
            first = client.get(path, headers=admin)
            assert first.status_code == 200, (name, first.get_json())
            count = [0]

            def counter(*_args, count=count):
                count[0] += 1

            event.listen(app.extensions["groupcover.engine"], "before_cursor_execute", counter)
            started = time.perf_counter()
            for _ in range(args.requests):
                client.get(path, headers=admin)
            timings[name].append((time.perf_counter() - started) / args.requests * 1e6)
            event.remove(app.extensions["groupcover.engine"], "before_cursor_execute", counter)
            statements[name] = count[0]
    calls = args.requests * 10
    alone: dict[str, float] = {}
    for name, function in variants.items():
        app.extensions["groupcover.auth"].clear()
        best = float("inf")
        for _ in range(args.rounds):
            with app.test_request_context(path, headers=admin):
                function()  # fills the cache (and touches last_used_at once)
                started = time.perf_counter()
                for _ in range(calls):
                    function()
                best = min(best, (time.perf_counter() - started) / calls * 1e6)
                db._end_connection(commit=False)
        alone[name] = best
    for name in variants:
        print(f"{name:>9}: authentication alone (cached token), best round {alone[name]:.2f} µs")
    for name in variants:
        print(
            f"{name:>9}: median {statistics.median(timings[name]):7.1f} µs/request "
            f"(rounds {', '.join(f'{t:.0f}' for t in timings[name])}), "
            f"{statements[name] / args.requests:.3f} statements/request"
        )
    app.extensions["groupcover.engine"].dispose()
    emit(
        "auth_overhead",
        {
            "backend": backend_of(url),
            **{
                f"{key}_us_per_request": round(statistics.median(timings[name]), 1)
                for key, name in (("now", "issue 10"), ("before", "before"))
            },
            "auth_alone_us": round(alone["issue 10"], 2),
            "statements_per_request": round(statements["issue 10"] / args.requests, 3),
        },
        {},
    )


if __name__ == "__main__":
    main()
