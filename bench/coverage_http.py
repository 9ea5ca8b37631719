"""Benchmark GET /api/v1/coverage over HTTP against a bare Flask endpoint (issue 3).

Builds a database of 1,000 members and 100,000 registrations (a SQLite file by default, or a
dedicated schema in the PostgreSQL of ``--database-url``, dropped afterwards), serves the app
and a bare Flask endpoint each under gunicorn with 2 workers on 127.0.0.1, drives both with
``wrk`` (varied domains and dates from a Lua script) and prints requests/s, p50 and p99 of
each and their ratio. Targets: ratio >= 0.5 and p99 <= 20 ms.

    .venv/bin/python bench/coverage_http.py
    .venv/bin/python bench/coverage_http.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Figures, never assertions: this is not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0
WRK_INSTALL = "apt-get install -y wrk"

# The bare endpoint: the same URL and JSON shape, no database, no auth.
BARE_APP = """
from flask import Flask, jsonify, request

app = Flask("bare")


@app.get("/api/v1/coverage")
def coverage():
    args = request.args
    return jsonify(domain=args.get("domain"), on=args.get("on"), covered=False, coverages=[])


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
"""

WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
local headers = {["Authorization"] = "Bearer %(token)s"}

function init(args)
  counter = math.random(1, #paths)
end

function request()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter], headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, " ..
    "\\"p99_us\\": %%d, \\"max_us\\": %%d, \\"non2xx\\": %%d, \\"socket_errors\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
"""


# --- the database ---------------------------------------------------------------------------


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database URL: a temporary SQLite file, or a schema of its own in PostgreSQL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="gc-bench-"))
        try:
            yield f"sqlite:///{folder / 'coverage_http.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = make_url(url)
    if base.get_backend_name() != "postgresql":
        yield url
        return
    schema = f"gc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        print(f"dropped schema {schema}")


def build(url: str, members: int, registrations: int, seed: int) -> tuple[str, list[str]]:
    """Migrate, bulk-insert the program, return an admin token and the registered domains."""
    from sqlalchemy import insert

    import groupcover.models  # noqa: F401  (every table)
    from groupcover import db
    from groupcover.members.models import Member
    from groupcover.migrate import upgrade
    from groupcover.suppliers.models import Registration
    from groupcover.terms.models import Term
    from groupcover.tokens import service as tokens_service

    rng = random.Random(seed)
    engine = db.make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    member_rows, term_rows = [], []
    for i in range(1, members + 1):
        member_rows.append(
            {
                "id": i,
                "name": f"Member {i:04d} K.K.",
                "contact_email": f"risk@member{i}.example.jp",
                "vendor_account_id": f"acct-{i}",
                "created_at": now,
                "updated_at": now,
            }
        )
        first = date(2024, 4, 1) + timedelta(days=rng.randrange(0, 365))
        end = first + timedelta(days=364)
        renewal_end = end + timedelta(days=365)
        cancelled = rng.random() < 0.1
        term_rows.append(
            {
                "member_id": i,
                "start_date": first,
                "end_date": end,
                "aggregate_paid": 0,
                "created_at": now,
            }
        )
        term_rows.append(
            {
                "member_id": i,
                "start_date": end + timedelta(days=1),
                "end_date": renewal_end,
                "last_day": end + timedelta(days=rng.randrange(30, 300)) if cancelled else None,
                "aggregate_paid": rng.choice([0, 0, 0, 1_500_000]),
                "created_at": now,
            }
        )
    popular = [f"shared-{n:03d}.example.com" for n in range(200)]
    long_tail = [f"supplier-{n:05d}.example.jp" for n in range(45_000)]
    per_member = [
        registrations // members + (1 if i < registrations % members else 0) for i in range(members)
    ]
    reg_rows, domains = [], []
    for member_id, count in enumerate(per_member, start=1):
        chosen: set[str] = set()
        while len(chosen) < count:
            chosen.add(rng.choice(popular) if rng.random() < 0.1 else rng.choice(long_tail))
        for domain in chosen:
            registered = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 4 * 365))
            ended = (
                registered + timedelta(days=rng.randrange(30, 700)) if rng.random() < 0.25 else None
            )
            reg_rows.append(
                {
                    "member_id": member_id,
                    "domain": domain,
                    "name": domain,
                    "registered_on": registered,
                    "deregistered_on": ended,
                    "source": "sync",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            domains.append(domain)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Member.__table__), member_rows)
        conn.execute(insert(Term.__table__), term_rows)
        for chunk in range(0, len(reg_rows), 10_000):
            conn.execute(insert(Registration.__table__), reg_rows[chunk : chunk + 10_000])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(
        f"database: {members} members, {len(term_rows)} terms, {len(reg_rows)} registrations "
        f"inserted in {time.perf_counter() - started:.1f}s ({engine.dialect.name})"
    )
    with db.transaction(engine) as session:
        _row, token = tokens_service.create_token(
            session, role="admin", name="bench", member_id=None
        )
    engine.dispose()
    return token, domains


def request_paths(domains: list[str], count: int, seed: int) -> list[str]:
    """Coverage queries: mostly registered domains (as often as they are registered), some
    unknown ones, on days spread over four years."""
    rng = random.Random(seed + 1)
    paths = []
    for _ in range(count):
        domain = (
            rng.choice(domains)
            if rng.random() < 0.9
            else f"unknown-{rng.randrange(10**6)}.example.org"
        )
        on = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 4 * 365))
        paths.append(f"/api/v1/coverage?domain={domain}&on={on.isoformat()}")
    return paths


# --- servers and load -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, cwd: Path) -> Iterator[tuple[str, int]]:
    """Serve ``app`` with gunicorn on a free local port until the block ends."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        app,
    ]
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start: {' '.join(cmd)}") from None
                time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian when missing and we may, else stop and say how."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"wrk not found: running `{WRK_INSTALL}`")
        if subprocess.call(WRK_INSTALL.split()) != 0:
            subprocess.call(["apt-get", "update"])
            subprocess.call(WRK_INSTALL.split())
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit(f"wrk is required: run `sudo {WRK_INSTALL}` and try again")


def cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return float("nan")
    total = 0
    for pid in [str(master), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def run_wrk(
    wrk: str, base: str, pid: int, script: Path, seconds: int, connections: int, threads: int
) -> dict:
    cpu_before = cpu_seconds(pid)
    out = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            base + "/api/v1/coverage",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK_JSON "))
    stats = json.loads(line.removeprefix("WRK_JSON "))
    stats["cpu_s"] = cpu_seconds(pid) - cpu_before
    return stats


def combine(rounds: list[dict]) -> dict:
    """Throughput over all rounds; p50 and p99 as the median of the rounds' values."""

    def median(key: str) -> float:
        values = sorted(r[key] for r in rounds)
        return values[len(values) // 2]

    requests = sum(r["requests"] for r in rounds)
    return {
        "rps": requests / (sum(r["duration_us"] for r in rounds) / 1e6),
        "p50_ms": median("p50_us") / 1000,
        "p99_ms": median("p99_us") / 1000,
        "p99_rounds": [r["p99_us"] / 1000 for r in rounds],
        "errors": sum(r["non2xx"] + r["socket_errors"] for r in rounds),
        "cpu_us": sum(r["cpu_s"] for r in rounds) / requests * 1e6,
    }


def check_a_response(base: str, path: str, token: str) -> None:
    """One request by hand before the load: it must answer 200 with the contract's shape."""
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        body = json.load(r)
    if not {"domain", "on", "covered", "coverages"} <= body.keys():
        raise SystemExit(f"unexpected response from {base + path}: {body}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL (a schema of its own is made "
        "and dropped); default: a temporary SQLite file",
    )
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--connections", type=int, default=4, help="wrk connections (default 2 per worker)"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate bare/app this many times (evens out background load)",
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per server")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    wrk = ensure_wrk()
    sys.path.insert(0, str(ROOT))
    from cryptography.fernet import Fernet

    with ExitStack() as stack:
        url = stack.enter_context(database(args.database_url))
        token, domains = build(url, args.members, args.registrations, args.seed)
        paths = request_paths(domains, 5_000, args.seed)
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gc-bench-")))
        (work / "bare_app.py").write_text(BARE_APP)
        script = work / "coverage.lua"
        script.write_text(
            WRK_SCRIPT % {"paths": ",".join(json.dumps(p) for p in paths), "token": token}
        )
        app_env = {
            "GROUPCOVER_DATABASE_URL": url,
            "GROUPCOVER_LOG_LEVEL": "WARNING",
            "GROUPCOVER_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        }
        app_base, app_pid = stack.enter_context(gunicorn("wsgi:app", app_env, args.workers, ROOT))
        bare_base, bare_pid = stack.enter_context(gunicorn("bare_app:app", {}, args.workers, work))
        check_a_response(app_base, paths[0], token)
        servers = {"bare Flask": (bare_base, bare_pid), "groupcover": (app_base, app_pid)}
        load = [os.getloadavg()[0]]
        for base, pid in servers.values():
            run_wrk(wrk, base, pid, script, args.warmup, args.connections, args.threads)
        rounds: dict[str, list[dict]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, (base, pid) in servers.items():
                rounds[name].append(
                    run_wrk(wrk, base, pid, script, args.duration, args.connections, args.threads)
                )
        load.append(os.getloadavg()[0])
        results = {name: combine(r) for name, r in rounds.items()}
    report(results, args, url, load)


def report(results: dict, args: argparse.Namespace, url: str, load: list[float]) -> None:
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(
        f"\nGET /api/v1/coverage — {backend}, {args.members} members, {args.registrations} "
        f"registrations; gunicorn {args.workers} workers each; wrk -t{args.threads} "
        f"-c{args.connections}, {args.rounds} alternating rounds of {args.duration}s; "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} before / {load[1]:.1f} after"
    )
    print(
        f"{'':12} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7} "
        f"{'CPU us/req':>10}  p99 per round (ms)"
    )
    for name, s in results.items():
        rounds = " ".join(f"{p:.1f}" for p in s["p99_rounds"])
        print(
            f"{name:12} {s['rps']:8.0f} {s['p50_ms']:7.2f} {s['p99_ms']:7.2f} "
            f"{s['errors']:7d} {s['cpu_us']:10.0f}  {rounds}"
        )
    app, bare = results["groupcover"], results["bare Flask"]
    ratio = app["rps"] / bare["rps"]
    print(
        f"ratio groupcover/bare = {ratio:.2f} (target >= {TARGET_RATIO}: "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}); groupcover p99 = "
        f"{app['p99_ms']:.2f} ms (target <= {TARGET_P99_MS:.0f} ms: "
        f"{'met' if app['p99_ms'] <= TARGET_P99_MS else 'MISSED'})"
    )
    print(
        "CPU us/req: the gunicorn processes' user+system CPU per request (the database "
        "server's own CPU not included); unlike req/s and p99 it barely depends on "
        "other load on the machine"
    )


if __name__ == "__main__":
    main()
