"""Instructions a ``GET /api/v1/coverage`` request costs, counted by valgrind (callgrind).

CPU time on a shared two-core machine moves by ±10 % from one run to the next, more than most
single changes are worth; an instruction count does not (the same code and data give the
same count to within a few hundred instructions). This runs the request mix of
``coverage_http.py`` through the WSGI app in process (no HTTP), under ``valgrind
--tool=callgrind`` twice — ``--requests`` small and large — and divides the difference by the
difference in requests, so start-up, the data load and the warm-up cancel out:

    .venv/bin/python bench/coverage_instructions.py [--requests 100,600] [--fanout]

Run it on two checkouts (``git worktree add``) to compare code; each run takes about two
minutes on SQLite (valgrind is ~50× slower). Needs ``valgrind`` (Debian's package; installed
here with ``apt-get install -y valgrind`` when missing, as root). The last line is one JSON
object.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, emit, throwaway_database

MEMBERS, REGISTRATIONS, SEED = 1_000, 10_000, 3


def drive_requests(count: int, fanout: bool) -> None:
    """Inside valgrind: build the data, warm the app, then serve ``count`` requests."""
    from coverage_http import build, fanout_entries, request_entries
    from profile_coverage import drive

    with throwaway_database(None, "instructions") as url:
        data = build(url, MEMBERS, REGISTRATIONS, SEED)
        pick = fanout_entries if fanout else request_entries
        entries = pick(data, 2_000, SEED)
        os.environ.update(
            GROUPCOVER_DATABASE_URL=url,
            GROUPCOVER_LOG_LEVEL="WARNING",
            GROUPCOVER_SYNC_INTERVAL_MINUTES="0",
        )
        from groupcover import create_app

        app = create_app()
        drive(app, entries[:300])  # warm: kept counts, pooled connection, caches
        drive(app, (entries[300:] * (count // 1_700 + 1))[:count])


def ensure_valgrind() -> str:
    found = shutil.which("valgrind")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("valgrind is missing: apt-get install -y valgrind")
    subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
    return shutil.which("valgrind") or "valgrind"


def count_instructions(valgrind: str, requests: int, fanout: bool, work: Path) -> int:
    out = work / f"callgrind.{requests}.out"
    command = [
        valgrind,
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--inside",
        str(requests),
        *(["--fanout"] if fanout else []),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"valgrind run failed:\n{run.stderr[-2000:]}")
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", default="100,600", help="the two request counts")
    parser.add_argument("--fanout", action="store_true", help="the fan-out first page")
    parser.add_argument("--inside", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside is not None:
        drive_requests(args.inside, args.fanout)
        return
    small, large = (int(n) for n in args.requests.split(","))
    valgrind = ensure_valgrind()
    with tempfile.TemporaryDirectory(prefix="gc-instructions-") as work:
        counts = {
            n: count_instructions(valgrind, n, args.fanout, Path(work)) for n in (small, large)
        }
    per_request = (counts[large] - counts[small]) // (large - small)
    kind = "fan-out first page" if args.fanout else "request mix"
    print(
        f"GET /api/v1/coverage, {kind}, SQLite, {MEMBERS} members / {REGISTRATIONS} "
        f"registrations: {per_request:,} instructions a request "
        f"({counts[small]:,} for {small} requests, {counts[large]:,} for {large})"
    )
    emit(
        "coverage_instructions",
        {"fanout": args.fanout, "instructions_per_request": per_request},
        {},
    )


if __name__ == "__main__":
    main()
