"""Benchmark issues 5 and 13: publish a coverage change to N members, then deliver the N
notices to an SMTP server that answers like a real relay — 20 ms before every reply.

    .venv/bin/python bench/notices.py [--members 10000] [--reply-delay-ms 20]
                                      [--database-url postgresql+psycopg://…]

The database is a throw-away one (a temporary SQLite file, or a schema of its own in the
PostgreSQL of ``--database-url``, dropped afterwards). Publishing is the real
``POST /api/v1/coverage-terms`` request (N1 check and the notice outbox in one transaction);
delivery is ``send-notices``' code path with the app's settings (claim under a lease, render,
SMTP over ``NOTICE_CONNECTIONS`` connections, one commit per result). The SMTP server is
aiosmtpd in a process of its own; it waits ``--reply-delay-ms`` before every reply (the
greeting, MAIL, RCPT, DATA's 354 and the final 250 — four round trips a letter) and writes the
Message-ID of each message it accepts to a file, so the run checks exactly once: every notice
``sent``, every Message-ID received once, none missing.

Targets: publish to 10,000 members ≤ 5 s; ≥ 100 notices/s. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from common import backend_of, emit, throwaway_database

TODAY = datetime(2027, 1, 15, 1, 0, tzinfo=UTC)  # 2027-01-15 10:00 in Tokyo
TARGET_PUBLISH_S = 5.0
TARGET_PER_S = 100.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_smtp(port: int, delay: float, received: str) -> None:
    """The relay: accepts every message, ``delay`` seconds before each reply."""
    import asyncio

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class SlowSMTP(SMTP):
        async def push(self, status):  # type: ignore[no-untyped-def]
            line = status if isinstance(status, str) else status.decode()
            if line[3:4] != "-":  # the last line of a reply (not a continuation)
                await asyncio.sleep(delay)
            await super().push(status)

    class Recorder:
        def __init__(self) -> None:
            self.out = open(received, "a", buffering=1)  # noqa: SIM115 - lives as long as we do

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            for line in envelope.original_content.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    self.out.write(line.split(b":", 1)[1].strip().decode() + "\n")
                    break
            else:
                self.out.write("(no Message-ID)\n")
            return "250 Message accepted"

    class SlowController(Controller):
        def factory(self):  # type: ignore[no-untyped-def]
            return SlowSMTP(self.handler, **self.SMTP_kwargs)

    controller = SlowController(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


@contextmanager
def smtp_relay(port: int, delay: float, received: Path) -> Iterator[None]:
    server = multiprocessing.Process(
        target=_serve_smtp, args=(port, delay, str(received)), daemon=True
    )
    server.start()
    try:
        deadline = time.monotonic() + 20
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
        server.join(timeout=10)


def enrol(bind, count: int) -> None:
    """N members with a term running past the effective date (not timed)."""
    from sqlalchemy import insert

    from groupcover import clock, db
    from groupcover.members.models import Member
    from groupcover.terms.models import Term

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
    parser.add_argument("--reply-delay-ms", type=float, default=20.0)
    parser.add_argument(
        "--connections", type=int, help="NOTICE_CONNECTIONS (default: the app's default)"
    )
    parser.add_argument("--database-url", help="PostgreSQL (a throw-away schema); default SQLite")
    args = parser.parse_args()

    from cryptography.fernet import Fernet
    from sqlalchemy import func, select

    from groupcover import clock, create_app, db
    from groupcover.config import settings
    from groupcover.migrate import upgrade
    from groupcover.notices import delivery, proof
    from groupcover.notices.models import Notice
    from groupcover.tokens import service as tokens_service

    clock.now = lambda: TODAY
    with (
        throwaway_database(args.database_url, "notices") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        port = free_port()
        overrides: dict = {
            "DATABASE_URL": url,
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "LOG_LEVEL": "WARNING",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
        }
        if args.connections:
            overrides["NOTICE_CONNECTIONS"] = args.connections
        app = create_app(overrides)
        bind = app.extensions["groupcover.engine"]
        upgrade(bind)
        with app.app_context():
            connections = settings().NOTICE_CONNECTIONS
            domain = settings().MAIL_MESSAGE_ID_DOMAIN
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

            received = Path(tmp) / "received.txt"
            with smtp_relay(port, args.reply_delay_ms / 1000, received):
                started, cpu = time.perf_counter(), time.process_time()
                report = delivery.send_due_notices(
                    bind, delivery.smtp_settings(settings()), delivery.delivery_options(settings())
                )
                deliver_s = time.perf_counter() - started
                cpu_ms = (time.process_time() - cpu) * 1000 / max(1, report.sent)
            with db.transaction(bind, write=False) as s:
                statuses = dict(
                    s.execute(select(Notice.status, func.count()).group_by(Notice.status)).all()
                )
                ids = [i for (i,) in s.execute(select(Notice.id))]
                chain = proof.verify(s)
        bind.dispose()
        counts = Counter(received.read_text().split())
    expected = {f"<notice-{i}@{domain}>" for i in ids}
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    missing = len(expected - counts.keys())
    strangers = len(counts.keys() - expected)
    exactly_once = duplicates == 0 and missing == 0 and strangers == 0
    per_s = report.sent / deliver_s
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, database {backend_of(url)}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"publish to {args.members} members: {created} notices in {publish_s:.2f} s (≤ 5 s)")
    print(
        f"deliver over {connections} SMTP connection(s), {args.reply_delay_ms:g} ms before "
        f"every reply: {report.sent} sent in {deliver_s:.2f} s = {per_s:.0f} notices/s "
        f"(≥ 100/s); this process's CPU {cpu_ms:.1f} ms a letter; statuses {statuses}"
    )
    print(
        f"exactly once: {'yes' if exactly_once else 'NO'} — {sum(counts.values())} messages "
        f"received, {duplicates} duplicates, {missing} notices never received, "
        f"{strangers} unknown Message-IDs; proof chain: {chain.checked} links, "
        f"{'intact' if chain.ok else f'BROKEN at {chain.broken}'}"
    )
    emit(
        "notices",
        {
            "backend": backend_of(url),
            "publish_10k_s": round(publish_s, 3),
            "notices_per_s": round(per_s, 1),
            "members": args.members,
            "connections": connections,
            "reply_delay_ms": args.reply_delay_ms,
            "sent": report.sent,
            "cpu_ms_per_letter": round(cpu_ms, 2),
            "exactly_once": exactly_once,
            "chain_intact": chain.ok and chain.checked == report.sent,
            "duplicates": duplicates,
            "missing": missing,
        },
        {
            "publish_10k_s": f"<= {TARGET_PUBLISH_S:g}",
            "notices_per_s": f">= {TARGET_PER_S:g}",
            "exactly_once": True,
            "chain_intact": True,
        },
    )


if __name__ == "__main__":
    main()
