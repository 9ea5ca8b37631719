"""Profile GET /api/v1/coverage in-process (cProfile), on the data ``coverage_http.py`` builds.

Calls the WSGI app directly (no HTTP, no gunicorn) with the same mix of requests, prints the
CPU per request of the app and of a bare Flask endpoint, then the functions that cost most.
Run it before and after a change to see what the change bought:

    .venv/bin/python bench/profile_coverage.py [--fanout] [--database-url URL] [--top 30]

Figures, never assertions. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

from common import backend_of, emit, throwaway_database
from coverage_http import BARE_APP, build, fanout_entries, request_entries
from werkzeug.test import EnvironBuilder


def environ(path: str, token: str | None) -> dict:
    """The WSGI environ of ``GET path`` (werkzeug's builder), with the bearer token if any."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return EnvironBuilder(
        path=path, base_url="http://127.0.0.1:8000", headers=headers
    ).get_environ()


def drive(app, entries, with_token: bool = True) -> float:
    """CPU seconds per request over ``entries``."""
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    prepared = [environ(path, token if with_token else None) for path, token in entries]
    started = time.process_time()  # the environs are built before: only the app is timed
    for env in prepared:
        body = app(dict(env), start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
    spent = time.process_time() - started
    bad = [s for s in statuses if not s.startswith("200")]
    if bad:
        raise SystemExit(f"{len(bad)} answers were not 200, e.g. {bad[0]}")
    return spent / len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--fanout", action="store_true", help="profile the fan-out first page")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    with throwaway_database(args.database_url, "profile") as url:
        data = build(url, args.members, args.registrations, args.seed)
        if args.fanout:
            entries = fanout_entries(data, max(200, args.requests // 10), args.seed)
        else:
            entries = request_entries(data, args.requests, args.seed)
        os.environ.update(
            GROUPCOVER_DATABASE_URL=url,
            GROUPCOVER_LOG_LEVEL="WARNING",
            GROUPCOVER_SYNC_INTERVAL_MINUTES="0",
        )
        from groupcover import create_app

        app = create_app()
        namespace: dict = {}
        exec(BARE_APP, namespace)  # the same bare endpoint the HTTP benchmark serves
        bare = namespace["app"]
        drive(app, entries[:200])  # warm caches and connections
        drive(bare, entries[:200], with_token=False)
        app_cpu = min(drive(app, entries) for _ in range(2))
        bare_cpu = min(drive(bare, entries, with_token=False) for _ in range(2))
        profiler = cProfile.Profile()
        profiler.enable()
        drive(app, entries)
        profiler.disable()
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        print(
            f"{backend_of(url)}: app {app_cpu * 1e6:.0f} us CPU/request, bare Flask "
            f"{bare_cpu * 1e6:.0f} us, in-process ratio {bare_cpu / app_cpu:.2f} "
            f"({'fan-out first page' if args.fanout else 'request mix'})"
        )
        emit(
            "profile_coverage",
            {
                "backend": backend_of(url),
                "fanout": args.fanout,
                "app_cpu_us": round(app_cpu * 1e6),
                "bare_cpu_us": round(bare_cpu * 1e6),
            },
            {},
        )


if __name__ == "__main__":
    main()
