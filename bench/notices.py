"""Benchmark issue 5: publish a coverage change to N members, then deliver the N notices.

    .venv/bin/python bench/notices.py [--members 10000] [--database-url URL-of-an-empty-database]

Targets: publishing to 10,000 members in at most 5 s (the POST /api/v1/coverage-terms request,
N1 check and notice outbox in one transaction), and delivering at least 100 notices/s to a
local aiosmtpd server, run as its own process (``python -m aiosmtpd`` with the Sink handler),
through ``send-notices``' code path: claim, render, SMTP, one status commit per notice. Prints
the figures with the machine's core count. Default database: a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from cryptography.fernet import Fernet
from sqlalchemy import insert

from groupcover import clock, create_app, db
from groupcover.config import settings
from groupcover.members.models import Member
from groupcover.migrate import upgrade
from groupcover.notices.delivery import DeliveryOptions, send_due_notices, smtp_settings
from groupcover.terms.models import Term
from groupcover.tokens import service as tokens_service

TODAY = datetime(2027, 1, 15, 1, 0, tzinfo=UTC)  # 2027-01-15 10:00 in Tokyo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int) -> Iterator[None]:
    """aiosmtpd in a process of its own, accepting and discarding every message."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def enrol(bind, count: int) -> None:
    """N members with a term running past the effective date (not timed)."""
    now = clock.now()
    with db.transaction(bind) as s:
        s.execute(
            insert(Member),
            [
                {
                    "name": f"Member {n} K.K.",
                    "contact_email": f"risk{n}@member{n}.example.jp",
                    "contact_name": f"担当者 {n}",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        ids = [row[0] for row in s.execute(Member.__table__.select().with_only_columns(Member.id))]
        s.execute(
            insert(Term),
            [
                {
                    "member_id": i,
                    "start_date": date(2026, 4, 1),
                    "end_date": date(2027, 3, 31),
                    "aggregate_paid": 0,
                    "created_at": now,
                }
                for i in ids
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    clock.now = lambda: TODAY
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        port = free_port()
        app = create_app(
            {
                "DATABASE_URL": url,
                "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "LOG_LEVEL": "WARNING",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": port,
            }
        )
        bind = app.extensions["groupcover.engine"]
        upgrade(bind)
        with app.app_context():
            enrol(bind, args.members)
            with db.transaction(bind) as s:
                _row, token = tokens_service.create_token(
                    s, role="admin", name="bench", member_id=None
                )
            client = app.test_client()
            started = time.perf_counter()
            response = client.post(
                "/api/v1/coverage-terms",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "effective_date": "2027-03-16",
                    "per_incident_limit": 2_000_000,
                    "aggregate_limit": 8_000_000,
                    "summary_ja": "限度額を見直します。",
                    "summary_en": "The limits are revised.",
                },
            )
            publish_s = time.perf_counter() - started
            assert response.status_code == 201, response.get_json()
            created = response.get_json()["notices_created"]

            with smtp_server(port):
                started = time.perf_counter()
                report = send_due_notices(bind, smtp_settings(settings()), DeliveryOptions())
                deliver_s = time.perf_counter() - started
        bind.dispose()
    backend = url.split(":", 1)[0]
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, database {backend}"
    )
    print(
        f"publish to {args.members} members: {created} notices in {publish_s:.2f} s (target <= 5 s)"
    )
    print(
        f"deliver {report.sent} notices (accepted by the server): {deliver_s:.2f} s, "
        f"{report.sent / deliver_s:.0f} notices/s (target >= 100/s)"
    )


if __name__ == "__main__":
    main()
