"""``/api/v1/sync-runs`` and ``flask sync-suppliers``."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from groupcover import db
from groupcover.config import update_settings
from tests.sync.conftest import active


@pytest.fixture(autouse=True)
def _today(freeze) -> None:
    freeze("2026-06-10T10:00:00+09:00")


def test_post_queues_a_run_that_a_worker_starts(sync_app, client, admin, stub_state, enrol) -> None:
    a = enrol("acct-a")
    stub_state.add_supplier(
        "acct-a",
        supplier_id="s1",
        name="One",
        primary_domain="one.example",
        insert_ts="2026-04-01T00:00:00Z",
    )
    threads = threading.active_count()
    r = client.post("/api/v1/sync-runs", json={"mode": "full"}, headers=admin)
    assert r.status_code == 202
    started = r.get_json()
    assert (started["status"], started["mode"], started["finished_at"]) == ("queued", "full", None)
    assert threading.active_count() == threads  # nothing runs in the web worker
    waiting = client.get(f"/api/v1/sync-runs/{started['id']}", headers=admin).get_json()
    assert (waiting["status"], waiting["results"], active(a.member_id)) == ("queued", [], {})

    update_settings(sync_app, SYNC_INTERVAL_MINUTES=0, NOTICE_INTERVAL_MINUTES=0)
    worker = sync_app.test_cli_runner().invoke(args=["worker", "--once"])
    assert (worker.exit_code, worker.stdout) == (0, "jobs run: sync-queued\n")
    done = client.get(f"/api/v1/sync-runs/{started['id']}", headers=admin).get_json()
    assert (done["status"], done["created"], done["pages"], done["error"]) == (
        "succeeded",
        1,
        1,
        None,
    )
    assert done["triggered_by"].startswith("admin:")
    assert [(x["vendor_account_id"], x["status"], x["created"]) for x in done["results"]] == [
        ("acct-a", "succeeded", 1)
    ]
    assert active(a.member_id).keys() == {"s1"}
    listed = client.get("/api/v1/sync-runs", headers=admin)
    assert listed.status_code == 200 and "X-Pagination" in listed.headers
    assert [run["id"] for run in listed.get_json()] == [started["id"]]
    assert set(listed.get_json()[0]) >= {
        "id",
        "mode",
        "started_at",
        "finished_at",
        "status",
        "pages",
        "created",
        "updated",
        "deregistered",
        "error",
    }


def test_default_mode_is_incremental(sync_app, client, admin, enrol) -> None:
    enrol("acct-a")
    r = client.post("/api/v1/sync-runs", json={}, headers=admin)
    assert (r.status_code, r.get_json()["mode"], r.get_json()["status"]) == (
        202,
        "incremental",
        "queued",
    )


def test_a_second_post_while_one_is_queued_is_409_until_a_worker_ran_it(
    sync_app, client, admin, enrol
) -> None:
    enrol("acct-a")
    first = client.post("/api/v1/sync-runs", json={"mode": "full"}, headers=admin)
    second = client.post("/api/v1/sync-runs", json={"mode": "full"}, headers=admin)
    assert (second.status_code, second.get_json()["rule"]) == (409, "sync_running")
    assert str(first.get_json()["id"]) in second.get_json()["message"]
    update_settings(sync_app, SYNC_INTERVAL_MINUTES=0, NOTICE_INTERVAL_MINUTES=0)
    assert sync_app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    third = client.post("/api/v1/sync-runs", json={"mode": "full"}, headers=admin)
    assert (third.status_code, third.get_json()["status"]) == (202, "queued")
    listed = client.get("/api/v1/sync-runs", headers=admin).get_json()
    assert [run["status"] for run in listed] == ["queued", "succeeded"]


def test_a_queued_run_waits_while_another_run_holds_the_lease(sync_app, client, admin, enrol):
    enrol("acct-a")
    queued = client.post("/api/v1/sync-runs", json={}, headers=admin).get_json()
    assert db.acquire_lease(db.engine(), "sync-suppliers", "elsewhere", timedelta(minutes=5))
    update_settings(sync_app, SYNC_INTERVAL_MINUTES=0, NOTICE_INTERVAL_MINUTES=0)
    worker = sync_app.test_cli_runner().invoke(args=["worker", "--once"])
    assert (worker.exit_code, worker.stdout) == (0, "jobs run: none due\n")
    r = client.get(f"/api/v1/sync-runs/{queued['id']}", headers=admin)
    assert r.get_json()["status"] == "queued"
    db.release_lease(db.engine(), "sync-suppliers", "elsewhere")
    assert sync_app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    r = client.get(f"/api/v1/sync-runs/{queued['id']}", headers=admin)
    assert r.get_json()["status"] == "succeeded"


@pytest.mark.parametrize("body", [{"mode": "weekly"}, {"mode": 3}, []])
def test_malformed_request_is_400(sync_app, client, admin, body) -> None:
    assert client.post("/api/v1/sync-runs", json=body, headers=admin).status_code == 400


def test_a_second_post_while_running_is_409(sync_app, client, admin) -> None:
    assert db.acquire_lease(db.engine(), "sync-suppliers", "elsewhere", timedelta(minutes=5))
    r = client.post("/api/v1/sync-runs", json={"mode": "incremental"}, headers=admin)
    assert (r.status_code, r.get_json()["rule"]) == (409, "sync_running")


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/sync-runs"), ("post", "/api/v1/sync-runs"), ("get", "/api/v1/sync-runs/1")],
)
def test_administrators_only(sync_app, client, member_headers, enrol, method, path) -> None:
    a = enrol("acct-a")
    assert (
        getattr(client, method)(path, json={}, headers=member_headers(a.member_id)).status_code
        == 403
    )
    assert getattr(client, method)(path, json={}).status_code == 401


def test_unknown_run_is_404(sync_app, client, admin) -> None:
    assert client.get("/api/v1/sync-runs/999", headers=admin).status_code == 404


def test_cli_prints_one_line_per_account_and_fails_when_one_did(
    sync_app, stub_state, enrol
) -> None:
    enrol("acct-a")
    enrol("acct-b")
    enrol("acct-c", credential=False)
    stub_state.add_supplier("acct-a", supplier_id="s1", name="One", primary_domain="one.example")
    runner = sync_app.test_cli_runner()
    ok = runner.invoke(args=["sync-suppliers"])
    assert ok.exit_code == 0, ok.output
    lines = ok.output.strip().splitlines()
    assert lines[0].startswith("acct-c") and "no_credential" in lines[0]
    assert any(line.startswith("acct-a") and "created=1" in line for line in lines)
    assert any(line.startswith("acct-b") and "succeeded" in line for line in lines)
    assert lines[-1].startswith("sync run") and "succeeded" in lines[-1]
    stub_state.add_fault("server_error", account_id="acct-b", times=None)
    failed = runner.invoke(args=["sync-suppliers", "--full"])
    assert failed.exit_code == 1
    assert any(
        line.startswith("acct-b") and "unavailable" in line for line in failed.output.splitlines()
    )
    assert stub_state.token_for("acct-a") not in failed.output
