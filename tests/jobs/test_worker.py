"""``flask worker``: each job runs when due and only then, on one worker at a time; the last
run is kept in the database (a restarted worker knows what is due); SIGTERM stops the loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from groupcover import db, worker
from groupcover.config import update_settings
from groupcover.jobs import Job, JobState, every_minutes
from groupcover.sync.models import SyncRun
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """Two fake jobs on the settings' intervals: sync every SYNC_INTERVAL_MINUTES, notices
    every NOTICE_INTERVAL_MINUTES; each call is recorded."""
    made: list[str] = []

    def job(name: str, minutes: str) -> Job:
        return Job(
            name,
            interval=lambda s: every_minutes(getattr(s, minutes)),
            lease=lambda s: timedelta(minutes=5),
            run=lambda engine, settings: made.append(name) or None,
        )

    fakes = [job("sync", "SYNC_INTERVAL_MINUTES"), job("notices", "NOTICE_INTERVAL_MINUTES")]
    monkeypatch.setattr(worker, "jobs", lambda: fakes)
    return made


def one_pass(app) -> list[str]:
    """A pass by a new worker each time (another holder: nothing is kept in memory)."""
    return worker.run_pass(db.engine(), app.extensions["groupcover.settings"]).ran


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("10:00:00", ["sync", "notices"]),  # never ran: both due
        ("10:04:59", []),
        ("10:05:00", ["notices"]),
        ("10:09:59", []),
        ("10:10:00", ["notices"]),
        ("10:59:59", ["notices"]),  # notices last started 10:10 + 5 = 10:15 <= 10:59:59
        ("11:00:00", ["sync"]),
        ("11:04:59", ["notices"]),
    ],
)
def test_once_runs_what_is_due_and_only_that(app, calls, freeze, at, expected):
    update_settings(app, SYNC_INTERVAL_MINUTES=60, NOTICE_INTERVAL_MINUTES=5)
    schedule = ["10:00:00", "10:04:59", "10:05:00", "10:09:59", "10:10:00", "10:59:59", "11:00:00"]
    for earlier in schedule[: schedule.index(at)] if at in schedule else schedule:
        freeze(f"2026-06-10T{earlier}+09:00")
        one_pass(app)
    calls.clear()
    freeze(f"2026-06-10T{at}+09:00")
    assert one_pass(app) == expected == calls


def test_an_interval_of_zero_turns_a_job_off(app, calls, freeze):
    update_settings(app, SYNC_INTERVAL_MINUTES=0, NOTICE_INTERVAL_MINUTES=5)
    freeze("2026-06-10T10:00:00+09:00")
    assert one_pass(app) == ["notices"]
    freeze("2026-06-20T10:00:00+09:00")
    assert one_pass(app) == ["notices"]


def test_the_last_run_is_kept_in_the_database(app, calls, freeze):
    freeze("2026-06-10T10:00:00+09:00")
    one_pass(app)
    with db.transaction(write=False) as session:
        states = {s.name: s for s in session.execute(select(JobState)).scalars()}
    started = datetime(2026, 6, 10, 1, tzinfo=UTC)
    assert {
        (n, s.last_started_at, s.last_finished_at, s.last_status) for n, s in states.items()
    } == {
        ("sync", started, started, "succeeded"),
        ("notices", started, started, "succeeded"),
    }


def test_a_failing_job_is_recorded_and_makes_once_exit_non_zero(app, monkeypatch, freeze):
    def boom(engine, settings):
        raise RuntimeError("the vendor is down")

    fakes = [Job("bad", lambda s: timedelta(minutes=5), lambda s: timedelta(minutes=5), boom)]
    monkeypatch.setattr(worker, "jobs", lambda: fakes)
    freeze("2026-06-10T10:00:00+09:00")
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "jobs failed: bad" in result.output
    with db.transaction(write=False) as session:
        state = session.get(JobState, "bad")
    assert (state.last_status, state.last_message) == ("failed", "RuntimeError: the vendor is down")
    freeze("2026-06-10T10:04:00+09:00")  # failed is not retried before its interval
    assert app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0


def _start_twice_at_once(engine, name: str) -> list[bool]:
    """``worker._start`` from two threads released together by a barrier."""
    barrier = threading.Barrier(2)
    started: list[bool] = []

    def start() -> None:
        barrier.wait()
        started.append(worker._start(engine, name, timedelta(minutes=5)))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return started


@pytest.mark.parametrize("recorded", [False, True])
def test_two_starts_at_the_same_moment_record_one(app, recorded):
    """Two workers whose leases both lapsed reach the start at once (eight rounds, released by
    a barrier): exactly one records it and runs, whether the job's row exists yet or not."""
    engine = db.engine()
    for round_ in range(8):
        name = f"race-{recorded}-{round_}"
        if recorded:
            with db.transaction(engine) as session:
                session.add(JobState(name=name, last_started_at=datetime(2020, 1, 1, tzinfo=UTC)))
        started = _start_twice_at_once(engine, name)
        assert sorted(started) == [False, True], f"round {round_}: {started}"


@pytest.mark.parametrize("lease_seconds", [300, 0])
def test_two_workers_at_once_never_run_a_job_twice(app, monkeypatch, lease_seconds):
    """Two workers (threads with their own connections) start a pass at the same moment; the
    job holds on long enough for the other to try. With a lease of 0 s (lapsed at once) the
    recorded start still keeps the second worker off."""
    barrier = threading.Barrier(2)
    inside = threading.Event()
    ran: list[str] = []

    def slow(engine, settings):
        ran.append(threading.current_thread().name)
        inside.set()
        time.sleep(0.5)

    job = Job(
        "slow",
        lambda s: timedelta(minutes=5),
        lambda s: timedelta(seconds=lease_seconds),
        slow,
    )
    monkeypatch.setattr(worker, "jobs", lambda: [job])
    settings = app.extensions["groupcover.settings"]
    engine = db.engine()
    reports: dict[str, worker.PassReport] = {}

    def work(name: str) -> None:
        barrier.wait()
        reports[name] = worker.run_pass(engine, settings, holder=name)

    threads = [threading.Thread(target=work, args=(n,), name=n) for n in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(ran) == 1
    assert sorted(len(r.ran) for r in reports.values()) == [0, 1]
    # and a worker coming later in the interval does not run it either
    assert worker.run_pass(engine, settings, holder="w3").ran == []


def test_two_worker_processes_run_a_queued_sync_once(app, client, admin, db_url, tmp_path):
    """Two real ``worker --once`` processes at the same time: one runs the queued run."""
    r = client.post("/api/v1/sync-runs", json={"mode": "incremental"}, headers=admin)
    assert r.get_json()["status"] == "queued"
    env = _env(db_url, SYNC_INTERVAL_MINUTES="0", NOTICE_INTERVAL_MINUTES="0")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sorted(outputs) == ["jobs run: none due\n", "jobs run: sync-queued\n"]
    with db.transaction(write=False) as session:
        runs = list(session.execute(select(SyncRun.status, SyncRun.triggered_by)))
    assert [status for status, _ in runs] == ["succeeded"]
    assert runs[0][1].startswith("admin:")  # the run queued, not one of the worker's own


def test_sigterm_stops_the_loop_cleanly(app, db_url):
    env = _env(db_url, WORKER_POLL_SECONDS="0.2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("worker started")
        time.sleep(1.0)  # a few passes
        assert proc.poll() is None  # still looping
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out == "worker stopped\n"
    assert "SIGTERM received" in err
    with db.transaction(write=False) as session:  # the jobs due at start ran once, no more
        names = sorted(s.name for s in session.execute(select(JobState)).scalars())
    assert names == ["notices-delivery", "sync-scheduled"]


def _env(db_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPCOVER_")}
    env.update(
        GROUPCOVER_DATABASE_URL=db_url,
        GROUPCOVER_ENCRYPTION_KEY=TEST_KEY,
        GROUPCOVER_LOG_LEVEL="INFO",
        GROUPCOVER_VENDOR_API_URL="http://127.0.0.1:9",
        GROUPCOVER_SMTP_PORT="9",
    )
    env.update({f"GROUPCOVER_{key}": value for key, value in settings.items()})
    return env
