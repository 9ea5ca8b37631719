"""Benchmark of the supplier sync (issue 4): how close a run comes to the network's floor.

1,000 member accounts with 100,000 suppliers in all (ten accounts with 2,000, the rest with
80 or 81) on the fake vendor, which waits ``--latency`` (20 ms) before every answer and runs
in a process of its own, as the real vendor would. Three runs are timed one after another:
(a) the first, full sync; (b) a second with no change upstream; (c) one after 1% of the
suppliers changed (renames, domain moves, removals, rejections, additions).

The floor ("ideal") of a run is pages × latency ÷ concurrency: the time the vendor's latency
alone costs with that many requests in flight. Targets: (a) ≤ 2 × ideal, (b) and (c) ≤ 1.5 ×
ideal, peak memory ≤ 150 MB (the process's maximum resident set, from ``resource``; the
Python heap peak of a run under ``tracemalloc`` is printed too, measured in an extra untimed
run because tracing slows everything down).

    .venv/bin/python bench/sync.py [--concurrency 8] [--database-url URL]

The database is a throw-away one (``bench/common.py``): a temporary SQLite file, or a schema
of its own in the PostgreSQL of ``--database-url``, dropped afterwards. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
import tracemalloc
from zoneinfo import ZoneInfo

import requests
from common import ROOT, backend_of, emit, throwaway_database  # noqa: E402  (sets sys.path)
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select

sys.path.insert(0, str(ROOT))

from groupcover import create_app, crypto, db  # noqa: E402
from groupcover.members.models import Member  # noqa: E402
from groupcover.migrate import upgrade  # noqa: E402
from groupcover.suppliers.models import Registration  # noqa: E402
from groupcover.sync import runner  # noqa: E402
from groupcover.sync.settings import SyncSettings  # noqa: E402
from groupcover.sync.walk import Account, walk_batches  # noqa: E402
from integrations.panorays.stub import StubServer, StubState, seed_accounts  # noqa: E402

ACCOUNTS = 1000
BIG_ACCOUNTS = 10
BIG_SIZE = 2000
TOTAL = 100_000


def account_sizes() -> list[int]:
    """Ten accounts of 2,000; the other 80,000 suppliers spread evenly over 990 accounts."""
    rest, small = TOTAL - BIG_ACCOUNTS * BIG_SIZE, ACCOUNTS - BIG_ACCOUNTS
    base, extra = divmod(rest, small)
    return [BIG_SIZE] * BIG_ACCOUNTS + [base + 1] * extra + [base] * (small - extra)


def serve(latency: float, ready: multiprocessing.Queue) -> None:
    state = StubState(latency=latency)
    seed_accounts(state, ACCOUNTS, account_sizes(), seed=42)
    server = StubServer(state)
    ready.put((server.url, state.accounts()))
    server.server.serve_forever()


def enrol_members(app, tokens: dict[str, str]) -> None:
    with app.app_context(), db.transaction() as session:
        session.execute(
            insert(Member),
            [
                {
                    "name": f"Member {account_id}",
                    "contact_email": f"risk@{account_id}.example.jp",
                    "vendor_account_id": account_id,
                    "vendor_credential": crypto.encrypt(token),
                }
                for account_id, token in tokens.items()
            ],
        )


def timed_run(app, settings: SyncSettings, mode: str, label: str, latency: float):
    with app.app_context():
        started = time.perf_counter()
        cpu = time.process_time()
        run = runner.run_sync(db.engine(), settings, mode, "bench")
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    ideal = run.pages * latency / settings.concurrency
    print(
        f"{label}: {seconds:6.2f} s (cpu {cpu:5.2f} s)  pages={run.pages} ideal={ideal:.2f} s  "
        f"ratio={seconds / ideal:.2f}  status={run.status} created={run.created} "
        f"updated={run.updated} deregistered={run.deregistered} failed={run.accounts_failed}",
        flush=True,
    )
    return seconds / ideal


def walks_only(settings: SyncSettings, tokens: dict[str, str], latency: float) -> float:
    """The same walks with no database at all: the floor this machine's HTTP stack allows."""
    accounts = [Account(n, a, t) for n, (a, t) in enumerate(tokens.items(), start=1)]
    started = time.perf_counter()
    pages = sum(
        walk.pages
        for batch in walk_batches(accounts, settings, ZoneInfo("Asia/Tokyo"))
        for walk in batch
    )
    seconds = time.perf_counter() - started
    ideal = pages * latency / settings.concurrency
    print(f"(w) walks, no database: {seconds:6.2f} s  pages={pages} ratio={seconds / ideal:.2f}")
    return seconds / ideal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--database-url", help="PostgreSQL (a throw-away schema); default: SQLite")
    args = parser.parse_args()

    ready: multiprocessing.Queue = multiprocessing.Queue()
    stub = multiprocessing.Process(target=serve, args=(args.latency, ready), daemon=True)
    stub.start()
    url, tokens = ready.get(timeout=120)
    try:
        with throwaway_database(args.database_url, "sync") as database_url:
            run_bench(args, url, tokens, database_url)
    finally:
        stub.terminate()
        stub.join()


def run_bench(args: argparse.Namespace, url: str, tokens: dict[str, str], database_url: str):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "VENDOR_API_URL": url,
            "SYNC_CONCURRENCY": args.concurrency,
            "LOG_LEVEL": "WARNING",
        }
    )
    migrating = db.make_engine(database_url)
    upgrade(migrating)
    migrating.dispose()
    enrol_members(app, tokens)
    settings = SyncSettings.from_settings(app.extensions["groupcover.settings"])
    print(
        f"{len(tokens)} accounts, {sum(account_sizes())} suppliers, latency "
        f"{args.latency * 1000:.0f} ms, concurrency {settings.concurrency}, {database_url}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    ratios = {
        "a": timed_run(app, settings, "full", "(a) first full sync ", args.latency),
        "b": timed_run(app, settings, "incremental", "(b) no change       ", args.latency),
    }
    changed = requests.post(f"{url}/_stub/mutate", json={"fraction": 0.01}, timeout=30)
    print(f"    changed upstream: {changed.json()}", flush=True)
    ratios["c"] = timed_run(app, settings, "incremental", "(c) 1% changed      ", args.latency)
    floor = walks_only(settings, tokens, args.latency)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    with app.app_context():
        runner.run_sync(db.engine(), settings, "incremental", "bench")
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    with app.app_context(), db.transaction(write=False) as session:
        rows = session.execute(select(func.count()).select_from(Registration)).scalar_one()
    app.extensions["groupcover.engine"].dispose()
    print(f"registrations in the database: {rows}")
    print(
        f"ratios to ideal: (a) {ratios['a']:.2f} (target ≤ 2.0)  (b) {ratios['b']:.2f} "
        f"(≤ 1.5)  (c) {ratios['c']:.2f} (≤ 1.5); walks alone {floor:.2f}"
    )
    print(
        f"peak memory: {peak_rss:.0f} MB resident (target ≤ 150), "
        f"{heap_peak:.1f} MB Python heap in a no-change run (tracemalloc)"
    )
    emit(
        "sync",
        {
            "backend": backend_of(database_url),
            "first_full_x_ideal": round(ratios["a"], 3),
            "no_change_x_ideal": round(ratios["b"], 3),
            "changed_1pct_x_ideal": round(ratios["c"], 3),
            "walks_only_x_ideal": round(floor, 3),
            "peak_rss_mb": round(peak_rss),
            "heap_peak_mb": round(heap_peak, 1),
            "registrations": rows,
        },
        {
            "first_full_x_ideal": "<= 2",
            "no_change_x_ideal": "<= 1.5",
            "changed_1pct_x_ideal": "<= 1.5",
            "peak_rss_mb": "<= 150",
        },
    )


if __name__ == "__main__":
    main()
