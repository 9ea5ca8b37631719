"""Benchmark issue 14: CSV imports, a streamed export and the bordereau.

    .venv/bin/python bench/operations.py [--members 10000] [--suppliers-per-member 10]
                                         [--database-url postgresql+psycopg://…/db]

Through the HTTP API (Flask's test client: parsing, auth, validation, one transaction each):
import 10,000 members (CP932, as Excel writes it), 10,000 terms and 100,000 suppliers
(UTF-8 with BOM) from CSV, ≤ 60 s in all; export the 100,000 registrations as CSV in a
subprocess whose peak RSS must stay ≤ 150 MB; the bordereau of a month for the 10,000
members ≤ 2 s. Default database: a throw-away SQLite file; with --database-url, a throw-away
schema in that PostgreSQL database (dropped at the end). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import common  # noqa: E402, I001  (bench/common.py: the throw-away database, the JSON line)
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from groupcover import create_app, db  # noqa: E402
from groupcover.migrate import upgrade  # noqa: E402
from groupcover.rules.corporate_number import corporate_number_check_digit  # noqa: E402
from groupcover.tokens import service as tokens_service  # noqa: E402

TARGETS = {"import_s": 60.0, "export_peak_rss_mb": 150.0, "bordereau_s": 2.0}


def corporate_number(n: int) -> str:
    base = f"{n + 100_000_000_000:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def files(members: int, per_member: int) -> dict[str, bytes]:
    """The three CSV files, shaped like Excel's."""
    m = ["name,contact_email,contact_name,vendor_account_id,corporate_number"]
    m += [
        f'"株式会社 加入{n}, 本社",risk{n}@member{n}.example.jp,担当 {n},acct-{n},'
        f"{corporate_number(n)}"
        for n in range(members)
    ]
    t = ["member,start_date,end_date"]
    t += [f"acct-{n},2026/4/1,2027/3/31" for n in range(members)]
    s = ["member,domain,name,registered_on"]
    s += [
        f'{corporate_number(n)},s{k}.m{n}.example.jp,"取引先 {k}\n({n})",2026-04-01'
        for n in range(members)
        for k in range(per_member)
    ]
    bom = b"\xef\xbb\xbf"
    return {
        "members": ("\r\n".join(m) + "\r\n").encode("cp932"),
        "terms": bom + ("\r\n".join(t) + "\r\n").encode("utf-8"),
        "suppliers": bom + ("\r\n".join(s) + "\r\n").encode("utf-8"),
    }


def export_child(url: str, token: str) -> None:
    """In its own process: stream the registrations export, print bytes, rows and peak RSS."""
    app = create_app({"DATABASE_URL": url, "ENCRYPTION_KEY": Fernet.generate_key().decode()})
    client = app.test_client()
    started = time.perf_counter()
    response = client.get(
        "/api/v1/exports/registrations.csv",
        headers={"Authorization": f"Bearer {token}"},
        buffered=False,
    )
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    response.close()
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(json.dumps({"bytes": size, "rows": lines - 1, "seconds": seconds, "peak_mb": peak_mb}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ``ru_maxrss``: Linux carries the
    latter across ``execve``, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throwaway_database(base: str | None, tmp: str) -> tuple[str, callable]:
    """bench/common.py's throw-away database (``tmp`` unused), and how to drop it."""
    stack = ExitStack()
    return stack.enter_context(common.throwaway_database(base, "operations")), stack.close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--suppliers-per-member", type=int, default=10)
    parser.add_argument("--database-url", help="PostgreSQL; default: a SQLite file")
    parser.add_argument("--export-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child)
        return
    figures: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = throwaway_database(args.database_url, tmp)
        try:
            app = create_app(
                {
                    "DATABASE_URL": url,
                    "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                    "LOG_LEVEL": "WARNING",
                }
            )
            bind = app.extensions["groupcover.engine"]
            upgrade(bind)
            with app.app_context(), db.transaction(bind) as s:
                _row, token = tokens_service.create_token(
                    s, role="admin", name="bench", member_id=None
                )
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
            client = app.test_client()
            data = files(args.members, args.suppliers_per_member)
            total = 0.0
            for kind in ("members", "terms", "suppliers"):
                started = time.perf_counter()
                r = client.post(f"/api/v1/imports/{kind}", data=data[kind], headers=headers)
                seconds = time.perf_counter() - started
                assert r.status_code == 200, r.get_json()
                assert r.get_json()["created"] == r.get_json()["rows"], r.get_json()
                figures[f"import_{kind}_rows"] = r.get_json()["rows"]
                figures[f"import_{kind}_s"] = round(seconds, 2)
                total += seconds
            figures["import_s"] = round(total, 2)
            started = time.perf_counter()
            again = client.post(
                "/api/v1/imports/suppliers", data=data["suppliers"], headers=headers
            )
            figures["reimport_suppliers_s"] = round(time.perf_counter() - started, 2)
            assert again.get_json()["created"] == 0, again.get_json()

            child = subprocess.run(
                [sys.executable, __file__, "--export-child", url, token],
                check=True,
                capture_output=True,
                text=True,
            )
            exported = json.loads(child.stdout.strip().splitlines()[-1])
            assert exported["rows"] >= figures["import_suppliers_rows"], exported
            figures["export_rows"] = exported["rows"]
            figures["export_mb"] = round(exported["bytes"] / 2**20, 1)
            figures["export_s"] = round(exported["seconds"], 2)
            figures["export_peak_rss_mb"] = round(exported["peak_mb"], 1)

            times = []
            for _ in range(3):
                started = time.perf_counter()
                r = client.get(
                    "/api/v1/reports/bordereau?month=2026-05",
                    headers={"Authorization": f"Bearer {token}"},
                )
                times.append(time.perf_counter() - started)
                assert r.status_code == 200
            figures["bordereau_members"] = len(r.get_json()["rows"])
            figures["bordereau_s"] = round(max(times), 3)
            bind.dispose()
        finally:
            drop()
    backend = common.backend_of(url)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, database {backend}"
    )
    rows = [
        ("import members (CP932)", f"{figures['import_members_rows']:,} rows", "import_members_s"),
        ("import terms", f"{figures['import_terms_rows']:,} rows", "import_terms_s"),
        ("import suppliers", f"{figures['import_suppliers_rows']:,} rows", "import_suppliers_s"),
        ("imports in all", "", "import_s"),
        ("re-import suppliers (unchanged)", "", "reimport_suppliers_s"),
        ("export registrations", f"{figures['export_rows']:,} rows", "export_s"),
        ("  peak RSS of the exporting process", "MB", "export_peak_rss_mb"),
        ("bordereau (slowest of 3)", f"{figures['bordereau_members']:,} members", "bordereau_s"),
    ]
    print(f"{'what':40} {'size':>16} {'figure':>10} {'target':>8}")
    for label, size, key in rows:
        target = TARGETS.get(key)
        print(f"{label:40} {size:>16} {figures[key]:>10} {'' if target is None else target:>8}")
    figures["database"] = backend  # type: ignore[assignment]
    common.emit("operations", figures, TARGETS)


if __name__ == "__main__":
    main()
