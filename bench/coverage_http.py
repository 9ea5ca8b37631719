"""Benchmark GET /api/v1/coverage over HTTP against a bare Flask endpoint (issues 3 and 13).

Builds a throw-away database (a SQLite file by default, or a schema of its own in the
PostgreSQL of ``--database-url``, dropped afterwards) of 10,000 members and 100,000
registrations shaped like a real program: a long tail of suppliers, a few popular providers
registered by 10–40 % of the members, and one domain (a cloud provider) registered by every
member. Serves the app and a bare Flask endpoint each under gunicorn with 2 workers on
127.0.0.1 and drives both with ``wrk`` (16 connections; every request picks a domain, a day and
a token — the administrator's or one of 100 member companies' — from a pre-drawn list), in
alternating rounds. Prints requests/s, p50 and p99 over ALL requests of each arm (merged from
each round's latency quantiles, not a median of rounds), the ratio, the CPU per request, and
the p99 of the first page for the domain every member registered (the fan-out), warm (its
count kept, as after the first ask of a day) and cold (a second server with
COVERAGE_COUNT_CACHE_ENTRIES=0 counting every time; printed, not a target). With
``--scale 10000,100000,1000000`` it also prints req/s at each data size (cost per request must
not grow with the data). With ``--floor`` three more arms: ``GET /healthz`` from both servers
(the app's runs every request hook and one ``SELECT 1`` on a pooled connection, no token, no
coverage query) and the bare server's ``/healthz-db`` (bare Flask and one ``SELECT 1`` on the
driver's connection): what one round trip to the database costs, and what the framework and
the hooks leave, before the coverage answer does any work. Targets: ratio >=
0.6, p99 <= 20 ms, fan-out p99 <= 20 ms.

    .venv/bin/python bench/coverage_http.py
    .venv/bin/python bench/coverage_http.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/coverage_http.py --scale 10000,100000,1000000
    .venv/bin/python bench/coverage_http.py --floor

Figures, never assertions: this is not part of the test run. The last line is one JSON object.
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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import ROOT, backend_of, emit, throwaway_database

TARGET_RATIO = 0.6
TARGET_P99_MS = 20.0
TARGET_FANOUT_P99_MS = 20.0
FANOUT_DOMAIN = "cloud-everyone.example.com"
MEMBER_TOKENS = 100
# Latency quantiles each wrk round reports; rounds are merged through them (see merged_quantile).
QUANTILES = [50.0, *[90.0 + i * 0.5 for i in range(19)], *[99.5 + i * 0.05 for i in range(10)]]
WRK_INSTALL = "apt-get install -y wrk"

# The bare endpoint: the same URL and JSON shape, no database, no auth. /healthz-db (the
# floor arms) asks the database of BARE_DATABASE_URL ``SELECT 1`` on one connection per
# worker, straight through the driver (psycopg in autocommit, or sqlite3): no pool, no hooks.
BARE_APP = """
import os

from flask import Flask, jsonify, request

app = Flask("bare")
_connection = None


def _database():
    global _connection
    if _connection is None:
        url = os.environ["BARE_DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            _connection = sqlite3.connect(url.split(":///", 1)[1], check_same_thread=False)
        else:
            import psycopg

            _connection = psycopg.connect(url.replace("+psycopg", "", 1), autocommit=True)
    return _connection


@app.get("/healthz-db")
def healthz_db():
    _database().execute("SELECT 1").fetchall()
    return jsonify(status="ok", database="ok")


@app.get("/api/v1/coverage")
def coverage():
    args = request.args
    return jsonify(domain=args.get("domain"), on=args.get("on"), covered=False, coverages=[])


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
"""

WRK_SCRIPT = """
local entries = {%(entries)s}
local counter = 0
local quantiles = {%(quantiles)s}

function init(args)
  counter = math.random(1, #entries)
end

function request()
  counter = counter %% #entries + 1
  local e = entries[counter]
  return wrk.format("GET", e[1], {["Authorization"] = "Bearer " .. e[2]})
end

function done(summary, latency, requests)
  local q = {}
  for i, p in ipairs(quantiles) do
    q[i] = string.format("[%%g, %%d]", p, latency:percentile(p))
  end
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"max_us\\": %%d, " ..
    "\\"non2xx\\": %%d, \\"socket_errors\\": %%d, \\"quantiles\\": [%%s]}\\n",
    summary.requests, summary.duration, latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, table.concat(q, ", ")))
end
"""


# --- the database ---------------------------------------------------------------------------


def build(url: str, members: int, registrations: int, seed: int) -> dict:
    """Migrate and bulk-insert the program; return tokens and the registered domains.

    Every member registers the fan-out domain; 20 popular providers are registered by 5–20 %
    of the members each; the rest of each member's registrations come from a long tail.
    """
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
                "name": f"Member {i:05d} K.K.",
                "contact_email": f"risk@member{i}.example.jp",
                "vendor_account_id": f"acct-{i}",
                "created_at": now,
                "updated_at": now,
            }
        )
        first = date(2024, 4, 1) + timedelta(days=rng.randrange(0, 365))
        end = first + timedelta(days=364)
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
                "end_date": end + timedelta(days=365),
                "last_day": end + timedelta(days=rng.randrange(30, 300)) if cancelled else None,
                "aggregate_paid": rng.choice([0, 0, 0, 1_500_000]),
                "created_at": now,
            }
        )
    popular = [(f"provider-{n:02d}.example.com", rng.uniform(0.05, 0.2)) for n in range(20)]
    long_tail = [f"supplier-{n:06d}.example.jp" for n in range(max(1000, registrations // 2))]
    per_member = max(1, registrations // members)
    reg_rows: list[dict] = []
    domains_of: dict[int, list[str]] = {}
    for member_id in range(1, members + 1):
        chosen = {FANOUT_DOMAIN}
        chosen.update(d for d, share in popular if rng.random() < share)
        while len(chosen) < per_member:
            chosen.add(rng.choice(long_tail))
        domains_of[member_id] = sorted(chosen)
        for domain in chosen:
            if domain == FANOUT_DOMAIN:
                registered, ended = date(2024, 1, 1), None
            else:
                registered = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 4 * 365))
                ended = (
                    registered + timedelta(days=rng.randrange(30, 700))
                    if rng.random() < 0.25
                    else None
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
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Member.__table__), member_rows)
        conn.execute(insert(Term.__table__), term_rows)
        for chunk in range(0, len(reg_rows), 10_000):
            conn.execute(insert(Registration.__table__), reg_rows[chunk : chunk + 10_000])
    # What the server does on its own within minutes of a bulk load, done before measuring:
    # statistics for the planner, on PostgreSQL the visibility map index-only scans need and
    # the checkpoint that writes the load out (else it lands inside a round). Outside a
    # transaction: an ANALYZE in one that is then rolled back (a bare connect() closing)
    # keeps nothing.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("CHECKPOINT")
        else:
            conn.exec_driver_sql("ANALYZE")
    print(
        f"database: {members} members, {len(term_rows)} terms, {len(reg_rows)} registrations "
        f"({sum(1 for r in reg_rows if r['domain'] == FANOUT_DOMAIN)} on {FANOUT_DOMAIN}) "
        f"inserted in {time.perf_counter() - started:.1f}s ({engine.dialect.name})"
    )
    member_tokens: dict[int, str] = {}
    with db.transaction(engine) as session:
        _row, admin = tokens_service.create_token(
            session, role="admin", name="bench", member_id=None
        )
        for member_id in rng.sample(range(1, members + 1), min(MEMBER_TOKENS, members)):
            _row, member_tokens[member_id] = tokens_service.create_token(
                session, role="member", name=f"bench-{member_id}", member_id=member_id
            )
    engine.dispose()
    return {
        "admin": admin,
        "member_tokens": member_tokens,
        "domains_of": domains_of,
        "all_domains": [r["domain"] for r in reg_rows],
    }


def request_entries(data: dict, count: int, seed: int) -> list[tuple[str, str]]:
    """(path, token) pairs: 20 % as the administrator, 80 % as one of the member companies
    (mostly about their own suppliers); domains as often as they are registered, 10 % unknown;
    days spread over four years."""
    rng = random.Random(seed + 1)
    members = list(data["member_tokens"].items())
    entries = []
    for _ in range(count):
        if rng.random() < 0.2 or not members:
            token, pool = data["admin"], data["all_domains"]
        else:
            member_id, token = rng.choice(members)
            pool = data["domains_of"][member_id] if rng.random() < 0.7 else data["all_domains"]
        domain = (
            rng.choice(pool)
            if rng.random() < 0.9
            else f"unknown-{rng.randrange(10**6)}.example.org"
        )
        on = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 4 * 365))
        entries.append((f"/api/v1/coverage?domain={domain}&on={on.isoformat()}", token))
    return entries


def fanout_entries(data: dict, count: int, seed: int) -> list[tuple[str, str]]:
    """The first page for the domain every member registered, on days inside the terms."""
    rng = random.Random(seed + 2)
    return [
        (
            f"/api/v1/coverage?domain={FANOUT_DOMAIN}&on="
            f"{(date(2025, 4, 1) + timedelta(days=rng.randrange(0, 300))).isoformat()}",
            data["admin"],
        )
        for _ in range(count)
    ]


def lua_script(entries: list[tuple[str, str]]) -> str:
    return WRK_SCRIPT % {
        "entries": ",".join(f"{{{json.dumps(p)},{json.dumps(t)}}}" for p, t in entries),
        "quantiles": ",".join(f"{q:g}" for q in QUANTILES),
    }


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


def merged_quantile(rounds: list[dict], q: float) -> float:
    """The q-th percentile latency (ms) over every request of every round.

    Each round reports its latency at the QUANTILES and its maximum; a round's share of
    requests at or below a latency x is read off that table (rounding down, so the answer
    errs high), weighted by the round's request count.
    """
    tables = [
        ([(p, v) for p, v in r["quantiles"]] + [(100.0, r["max_us"])], r["requests"])
        for r in rounds
    ]
    total = sum(n for _, n in tables)
    for x in sorted({v for table, _ in tables for _, v in table}):
        below = sum(
            n * max((p for p, v in table if v <= x), default=0.0) / 100 for table, n in tables
        )
        if below >= total * q / 100:
            return x / 1000
    return max(r["max_us"] for r in rounds) / 1000


def combine(rounds: list[dict]) -> dict:
    """Throughput, p50 and p99 over all requests of all rounds; CPU per request."""
    requests = sum(r["requests"] for r in rounds)
    return {
        "rps": requests / (sum(r["duration_us"] for r in rounds) / 1e6),
        "p50_ms": merged_quantile(rounds, 50),
        "p99_ms": merged_quantile(rounds, 99),
        "p99_rounds": [merged_quantile([r], 99) for r in rounds],
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
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate bare/app/fan-out this many times"
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per server")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--scale",
        default="",
        help="comma-separated registration counts (e.g. 10000,100000,1000000): req/s and "
        "ratio at each, members = registrations / 10",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also serve GET /healthz from both servers (every hook, no coverage work)",
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    load = [os.getloadavg()[0]]
    results, url = measure(wrk, args, args.members, args.registrations, fanout=True)
    load.append(os.getloadavg()[0])
    report(results, args, url, load)
    scale = {}
    for size in [int(n) for n in args.scale.split(",") if n.strip()]:
        res, _ = measure(wrk, args, max(100, size // 10), size, fanout=False)
        scale[str(size)] = {
            "rps": round(res["groupcover"]["rps"]),
            "bare_rps": round(res["bare Flask"]["rps"]),
            "ratio": round(res["groupcover"]["rps"] / res["bare Flask"]["rps"], 3),
            "p99_ms": round(res["groupcover"]["p99_ms"], 2),
        }
    if scale:
        print("\nregistrations   req/s  bare req/s  ratio  p99 ms")
        for size, f in scale.items():
            print(
                f"{int(size):>13,} {f['rps']:7} {f['bare_rps']:11} {f['ratio']:6.2f} "
                f"{f['p99_ms']:7.2f}"
            )
    app, bare, fan = results["groupcover"], results["bare Flask"], results["fan-out"]
    emit(
        "coverage_http",
        {
            "backend": backend_of(url),
            "ratio": round(app["rps"] / bare["rps"], 3),
            "p99_ms": round(app["p99_ms"], 2),
            "fanout_p99_ms": round(fan["p99_ms"], 2),
            "fanout_cold_p99_ms": round(results["fan-out cold"]["p99_ms"], 2),
            "fanout_cpu_us_per_req": round(fan["cpu_us"]),
            "rps": round(app["rps"]),
            "bare_rps": round(bare["rps"]),
            "p50_ms": round(app["p50_ms"], 2),
            "cpu_us_per_req": round(app["cpu_us"]),
            "bare_cpu_us_per_req": round(bare["cpu_us"]),
            "errors": app["errors"] + fan["errors"],
            "scale": scale,
            **{name: round(value, 3) for name, value in floor_ratios(results).items()},
        },
        {
            "ratio": f">= {TARGET_RATIO}",
            "p99_ms": f"<= {TARGET_P99_MS:g}",
            "fanout_p99_ms": f"<= {TARGET_FANOUT_P99_MS:g}",
        },
    )


def measure(wrk: str, args: argparse.Namespace, members: int, registrations: int, fanout: bool):
    """Build a throw-away database, serve app and bare Flask, alternate the rounds."""
    from cryptography.fernet import Fernet

    with ExitStack() as stack:
        url = stack.enter_context(throwaway_database(args.database_url, "coverage"))
        data = build(url, members, registrations, args.seed)
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gc-bench-")))
        (work / "bare_app.py").write_text(BARE_APP)
        entries = request_entries(data, 5_000, args.seed)
        scripts = {"mix": work / "coverage.lua", "fan-out": work / "fanout.lua"}
        scripts["mix"].write_text(lua_script(entries))
        scripts["fan-out"].write_text(lua_script(fanout_entries(data, 500, args.seed)))
        scripts["healthz"] = work / "healthz.lua"
        scripts["healthz"].write_text(lua_script([("/healthz", entries[0][1])]))
        scripts["healthz-db"] = work / "healthz_db.lua"
        scripts["healthz-db"].write_text(lua_script([("/healthz-db", entries[0][1])]))
        app_env = {
            "GROUPCOVER_DATABASE_URL": url,
            "GROUPCOVER_LOG_LEVEL": "WARNING",
            "GROUPCOVER_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "GROUPCOVER_SYNC_INTERVAL_MINUTES": "0",
        }
        app = stack.enter_context(gunicorn("wsgi:app", app_env, args.workers, ROOT))
        bare = stack.enter_context(
            gunicorn("bare_app:app", {"BARE_DATABASE_URL": url}, args.workers, work)
        )
        check_a_response(app[0], *entries[0])
        arms = {
            "bare Flask": (bare, scripts["mix"]),
            "groupcover": (app, scripts["mix"]),
        }
        if fanout:
            check_a_response(app[0], *fanout_entries(data, 1, args.seed)[0])
            arms["fan-out"] = (app, scripts["fan-out"])
            # the same first pages with every count made again (no kept counts): what a
            # popular domain costs on a day nobody asked about yet
            uncached = stack.enter_context(
                gunicorn(
                    "wsgi:app",
                    {**app_env, "GROUPCOVER_COVERAGE_COUNT_CACHE_ENTRIES": "0"},
                    args.workers,
                    ROOT,
                )
            )
            arms["fan-out cold"] = (uncached, scripts["fan-out"])
        if fanout and args.floor:
            arms["bare healthz"] = (bare, scripts["healthz"])
            arms["bare SELECT 1"] = (bare, scripts["healthz-db"])
            arms["app healthz"] = (app, scripts["healthz"])
        for (base, pid), script in arms.values():
            run_wrk(wrk, base, pid, script, args.warmup, args.connections, args.threads)
        rounds: dict[str, list[dict]] = {name: [] for name in arms}
        for _ in range(args.rounds):
            for name, ((base, pid), script) in arms.items():
                rounds[name].append(
                    run_wrk(wrk, base, pid, script, args.duration, args.connections, args.threads)
                )
        return {name: combine(r) for name, r in rounds.items()}, url


def floor_ratios(results: dict) -> dict[str, float]:
    """The ``--floor`` arms as shares of bare ``/healthz`` (empty without ``--floor``)."""
    if "app healthz" not in results:
        return {}
    bare = results["bare healthz"]["rps"]
    return {
        "floor_ratio": results["app healthz"]["rps"] / bare,
        "bare_select1_ratio": results["bare SELECT 1"]["rps"] / bare,
    }


def report(results: dict, args: argparse.Namespace, url: str, load: list[float]) -> None:
    print(
        f"\nGET /api/v1/coverage — {backend_of(url)}, {args.members} members, "
        f"{args.registrations} registrations; gunicorn {args.workers} workers each; wrk "
        f"-t{args.threads} -c{args.connections}, {args.rounds} alternating rounds of "
        f"{args.duration}s; {os.cpu_count()} CPUs, load average {load[0]:.1f} before / "
        f"{load[1]:.1f} after"
    )
    print(
        f"{'':13} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7} "
        f"{'CPU us/req':>10}  p99 per round (ms)"
    )
    for name, s in results.items():
        rounds = " ".join(f"{p:.1f}" for p in s["p99_rounds"])
        print(
            f"{name:13} {s['rps']:8.0f} {s['p50_ms']:7.2f} {s['p99_ms']:7.2f} "
            f"{s['errors']:7d} {s['cpu_us']:10.0f}  {rounds}"
        )
    app, bare, fan = results["groupcover"], results["bare Flask"], results["fan-out"]
    ratio = app["rps"] / bare["rps"]
    verdict = {True: "met", False: "MISSED"}
    print(
        f"ratio groupcover/bare = {ratio:.2f} (target >= {TARGET_RATIO}: "
        f"{verdict[ratio >= TARGET_RATIO]}); p99 over all requests = {app['p99_ms']:.2f} ms "
        f"(target <= {TARGET_P99_MS:g}: {verdict[app['p99_ms'] <= TARGET_P99_MS]}); fan-out "
        f"first page p99 = {fan['p99_ms']:.2f} ms (target <= {TARGET_FANOUT_P99_MS:g}: "
        f"{verdict[fan['p99_ms'] <= TARGET_FANOUT_P99_MS]})"
    )
    floors = floor_ratios(results)
    if floors:
        print(
            f"floor: bare Flask + one SELECT 1 on the driver / bare /healthz = "
            f"{floors['bare_select1_ratio']:.2f}; app /healthz (every hook, pool, SELECT 1) / "
            f"bare /healthz = {floors['floor_ratio']:.2f}"
        )
    print(
        "p50/p99 are over every request of every round; CPU us/req is the gunicorn processes' "
        "user+system CPU per request (the database server's own CPU not included)"
    )


if __name__ == "__main__":
    main()
