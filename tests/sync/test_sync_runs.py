"""Sync runs against the fake vendor over real HTTP, on both databases.

The invariant behind every fault test: a walk that did not finish changes nothing — no
registration is lost or wrongly deregistered — and the account is reported as failed.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from groupcover import config, db
from groupcover.audit import AuditEntry
from groupcover.config import update_settings
from groupcover.suppliers.models import Registration
from groupcover.sync import apply, runner, service
from groupcover.sync.models import SyncAccountResult
from groupcover.sync.settings import SyncSettings
from integrations.panorays.stub import StubState, seed_accounts
from tests.sync.conftest import active, registrations

TODAY = date(2026, 6, 10)
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(freeze) -> None:
    freeze("2026-06-10T10:00:00+09:00")


def add(state: StubState, account: str, sid: str, domain: str, **extra) -> None:
    extra.setdefault("insert_ts", "2026-04-01T03:00:00Z")
    state.add_supplier(
        account,
        supplier_id=sid,
        name=extra.pop("name", sid.upper()),
        primary_domain=domain,
        **extra,
    )


def audit_count() -> int:
    """Audit entries about the data (each run's own start and finish are always there)."""
    with db.transaction(write=False) as session:
        return session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.entity != "sync_run")
        ).scalar_one()


def results(run_id: int) -> dict[str, SyncAccountResult]:
    with db.transaction(write=False) as session:
        return {r.vendor_account_id: r for r in service.run_results(session, run_id)}


def test_first_run_pages_through_every_supplier(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    seed = StubState()
    seed_accounts(seed, 1, 1050, seed=3)
    for record in seed.suppliers("acct-0000"):
        stub_state.add_supplier(
            "acct-a",
            **{k: v for k, v in record.items() if k not in ("id", "approval")},
            supplier_id=record["id"],
            status=record["approval"]["status"],
            update_ts=record["approval"]["update_ts"],
        )
    run = sync()
    assert (run.status, run.pages, run.accounts, run.accounts_failed) == ("succeeded", 11, 1, 0)
    rows = registrations(a.member_id)
    assert len(rows) == run.created == 1050
    assert {row[0] for row in rows} == {s["id"] for s in stub_state.suppliers("acct-a")}
    assert all(row[1] == row[1].lower() and not row[1].startswith("www.") for row in rows)
    removed = [
        s
        for s in stub_state.suppliers("acct-a")
        if s["approval"]["status"] in ("REJECTED", "ARCHIVED")
    ]
    assert removed and sum(row[4] is not None for row in rows) == len(removed)


def test_registration_fields_and_removal_day(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "https://www.Alpha.example/", insert_ts="2026-03-31T15:30:00Z")
    add(
        stub_state,
        "acct-a",
        "s2",
        "beta.example",
        status="REJECTED",
        insert_ts="2026-01-05T00:00:00Z",
        update_ts="2026-05-31T16:00:00Z",
    )
    sync()
    assert registrations(a.member_id) == [
        ("s1", "alpha.example", "S1", date(2026, 4, 1), None),
        ("s2", "beta.example", "S2", date(2026, 1, 5), date(2026, 6, 1)),
    ]
    with db.transaction(write=False) as session:
        stored = session.execute(select(Registration).order_by(Registration.id)).scalars().all()
    assert {(r.source, r.created_at, r.updated_at) for r in stored} == {
        ("sync", datetime(2026, 6, 10, 1, tzinfo=UTC), datetime(2026, 6, 10, 1, tzinfo=UTC))
    }


def test_a_second_run_with_no_change_writes_nothing(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    seed_accounts(stub_state, 1, 120, seed=5, prefix="other")
    for n in range(30):
        add(
            stub_state,
            "acct-a",
            f"s{n}",
            f"d{n}.example",
            status=("APPROVED", "REJECTED", "ARCHIVED")[n % 3],
        )
    first = sync()
    before, audits = registrations(a.member_id), audit_count()
    second = sync()
    assert first.created == 30
    assert (second.status, second.created, second.updated, second.deregistered) == (
        "succeeded",
        0,
        0,
        0,
    )
    assert registrations(a.member_id) == before
    assert audit_count() == audits


def test_two_suppliers_of_one_member_with_the_same_domain(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "shared.example", name="Shared East")
    add(stub_state, "acct-a", "s2", "WWW.shared.example", name="Shared West")
    sync()
    stub_state.remove_supplier("acct-a", "s2")
    sync()
    assert registrations(a.member_id) == [
        ("s1", "shared.example", "Shared East", date(2026, 4, 1), None),
        ("s2", "shared.example", "Shared West", date(2026, 4, 1), YESTERDAY),
    ]


def test_the_same_supplier_under_two_members(client, admin, stub_state, enrol, sync) -> None:
    a, b = enrol("acct-a"), enrol("acct-b")
    add(stub_state, "acct-a", "x1", "logistics.example.jp")
    add(stub_state, "acct-b", "y9", "https://logistics.example.jp/contact")
    sync()
    body = client.get(
        "/api/v1/coverage?domain=logistics.example.jp&on=2026-06-10", headers=admin
    ).get_json()
    assert sorted(c["member_id"] for c in body["coverages"]) == [a.member_id, b.member_id]
    stub_state.remove_supplier("acct-b", "y9")
    sync()
    body = client.get(
        "/api/v1/coverage?domain=logistics.example.jp&on=2026-06-10", headers=admin
    ).get_json()
    assert [c["member_id"] for c in body["coverages"]] == [a.member_id]


def test_a_domain_change_updates_and_is_audited(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "old-name.example", name="Old KK")
    sync()
    stub_state.update_supplier("acct-a", "s1", primary_domain="new-name.example", name="New KK")
    run = sync()
    assert run.updated == 1
    assert registrations(a.member_id) == [
        ("s1", "new-name.example", "New KK", date(2026, 4, 1), None)
    ]
    with db.transaction(write=False) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "registration.sync_update")
        ).scalar_one()
    assert entry.before == {"domain": "old-name.example", "name": "Old KK"}
    assert entry.after == {"domain": "new-name.example", "name": "New KK"}
    assert entry.actor == f"sync-run:{run.id}"


def test_remove_and_re_add_opens_a_new_span(stub_state, enrol, sync, freeze) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "back.example")
    sync()
    stub_state.remove_supplier("acct-a", "s1")
    sync()
    freeze("2026-06-20T10:00:00+09:00")
    add(stub_state, "acct-a", "s1", "back.example")
    run = sync()
    assert run.created == 1
    assert registrations(a.member_id) == [
        ("s1", "back.example", "S1", date(2026, 4, 1), YESTERDAY),
        ("s1", "back.example", "S1", date(2026, 6, 20), None),
    ]


def test_rejected_then_approved_again(stub_state, enrol, sync, freeze) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "flip.example")
    sync()
    stub_state.set_approval("acct-a", "s1", "REJECTED", "2026-06-05T01:00:00Z")
    sync()
    freeze("2026-06-12T10:00:00+09:00")
    stub_state.set_approval("acct-a", "s1", "APPROVED", "2026-06-11T01:00:00Z")
    sync()
    assert registrations(a.member_id) == [
        ("s1", "flip.example", "S1", date(2026, 4, 1), date(2026, 6, 5)),
        ("s1", "flip.example", "S1", date(2026, 6, 12), None),
    ]


@pytest.mark.parametrize(
    ("listed", "deregistered_on"), [(True, date(2026, 6, 3)), (False, YESTERDAY)]
)
def test_archived_listed_or_hidden(stub_state, enrol, sync, listed, deregistered_on) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "kept.example")
    add(stub_state, "acct-a", "s2", "archived.example")
    sync()
    stub_state.set_approval("acct-a", "s2", "ARCHIVED", "2026-06-03T05:00:00Z")
    stub_state.list_archived = listed
    sync()
    assert registrations(a.member_id)[1][4] == deregistered_on
    assert registrations(a.member_id)[0][4] is None


def test_bare_array_envelope_is_a_complete_walk(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    for n in range(150):
        add(stub_state, "acct-a", f"s{n}", f"d{n}.example")
    stub_state.set_bare_array(True)
    sync()
    stub_state.remove_supplier("acct-a", "s7")
    run = sync()
    assert (run.pages, run.deregistered) == (1, 1)
    assert len(active(a.member_id)) == 149


FAULTS = {
    "5xx": dict(kind="server_error", times=None),
    "429 without Retry-After": dict(kind="rate_limit", times=None),
    "429 with a long Retry-After": dict(kind="rate_limit", retry_after=3600),
    "cursor expires twice": dict(kind="cursor_expired", times=2),
    "repeated cursor": dict(kind="repeat_cursor", times=None, after_requests=0),
    "reset connections": dict(kind="reset", times=None),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_an_unfinished_walk_changes_nothing(stub_state, enrol, sync, fault) -> None:
    a, b = enrol("acct-a"), enrol("acct-b")
    for n in range(250):
        add(stub_state, "acct-a", f"a{n}", f"a{n}.example")
    add(stub_state, "acct-b", "b1", "b1.example")
    add(stub_state, "acct-b", "b2", "b2.example")
    sync()
    before = registrations(a.member_id)
    stub_state.remove_supplier("acct-a", "a249")
    stub_state.set_approval("acct-a", "a0", "REJECTED")
    stub_state.update_supplier("acct-a", "a1", name="Renamed")
    stub_state.remove_supplier("acct-b", "b2")
    stub_state.add_fault(**{"account_id": "acct-a", "after_requests": 1, **fault})
    run = sync()
    assert (run.status, run.accounts, run.accounts_failed) == ("failed", 2, 1)
    assert "acct-a" in run.error
    assert registrations(a.member_id) == before
    assert set(active(b.member_id)) == {"b1"}
    assert results(run.id)["acct-a"].status == "failed"


def test_the_hour_long_block_fails_the_account_without_hammering(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    for n in range(500):
        add(stub_state, "acct-a", f"a{n}", f"a{n}.example")
    sync()
    before = registrations(a.member_id)
    stub_state.remove_supplier("acct-a", "a3")
    stub_state.rate_limit_per_minute = 7
    sent = stub_state.request_count("acct-a")
    run = sync()
    result = results(run.id)["acct-a"]
    assert (result.status, result.reason) == ("failed", "rate_limited")
    assert stub_state.request_count("acct-a") - sent <= 3
    assert registrations(a.member_id) == before
    assert result.retry_at is not None
    blocked = sync()
    assert results(blocked.id)["acct-a"].reason == "vendor_block"
    assert stub_state.request_count("acct-a") - sent <= 3
    stub_state.unblock_all()
    stub_state.rate_limit_per_minute = 150
    full = sync("full")
    assert (full.status, full.deregistered) == ("succeeded", 1)


def test_slow_answers_time_out_and_change_nothing(sync_app, stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "slow.example")
    sync()
    stub_state.remove_supplier("acct-a", "s1")
    stub_state.latency = 0.4
    update_settings(sync_app, VENDOR_READ_TIMEOUT=0.1, VENDOR_RETRIES=1)
    run = sync()
    assert results(run.id)["acct-a"].reason == "unavailable"
    assert active(a.member_id).keys() == {"s1"}


def test_bad_token_fails_and_is_never_logged(stub_state, enrol, sync, caplog) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "kept.example")
    sync()
    stub_state.remove_supplier("acct-a", "s1")
    new_token = stub_state.revoke_token("acct-a")
    caplog.set_level(logging.DEBUG)
    run = sync()
    assert results(run.id)["acct-a"].reason == "auth_failed"
    assert active(a.member_id).keys() == {"s1"}
    assert a.token not in caplog.text and new_token not in caplog.text
    assert a.token not in (run.error or "")


@pytest.mark.parametrize(
    "fault",
    [
        dict(kind="server_error", times=2),
        dict(kind="reset", times=2),
        dict(kind="rate_limit", retry_after=1),
        dict(kind="cursor_expired", times=1),
    ],
    ids=["5xx", "reset", "short Retry-After", "cursor expires once"],
)
def test_transient_faults_are_survived(stub_state, enrol, sync, fault) -> None:
    a = enrol("acct-a")
    for n in range(250):
        add(stub_state, "acct-a", f"a{n}", f"a{n}.example")
    sync()
    stub_state.remove_supplier("acct-a", "a5")
    stub_state.add_fault(account_id="acct-a", after_requests=1, **fault)
    run = sync()
    assert (run.status, run.deregistered) == ("succeeded", 1)
    assert len(active(a.member_id)) == 249
    restarts = results(run.id)["acct-a"].restarts
    assert restarts == (1 if fault["kind"] == "cursor_expired" else 0)


def test_unknown_accounts_and_members_without_credential_are_reported(
    sync_app, stub_state, enrol, sync
) -> None:
    enrol("acct-a")
    lonely = enrol("acct-lonely", credential=False)
    update_settings(sync_app, VENDOR_ACCOUNT_IDS="acct-a, acct-nobody")
    run = sync()
    by_account = results(run.id)
    assert run.status == "succeeded"
    assert (
        by_account["acct-lonely"].status,
        by_account["acct-lonely"].reason,
        by_account["acct-lonely"].member_id,
    ) == ("skipped", "no_credential", lonely.member_id)
    assert (by_account["acct-nobody"].status, by_account["acct-nobody"].reason) == (
        "skipped",
        "unknown_account",
    )


def test_only_one_run_at_a_time(sync_app, stub_state, enrol, sync) -> None:
    enrol("acct-a")
    add(stub_state, "acct-a", "s1", "one.example")
    stub_state.latency = 0.5
    settings = SyncSettings.from_settings(config.settings())
    engine = db.engine()
    first = runner.start_run(engine, settings, "incremental", "first", "holder-1")
    finished = []

    def work() -> None:
        with sync_app.app_context():
            finished.append(runner.execute_run(engine, settings, first.id, "holder-1"))

    worker = threading.Thread(target=work)
    worker.start()
    with pytest.raises(runner.SyncAlreadyRunning):
        sync()
    worker.join()
    assert [(run.status, run.created) for run in finished] == [("succeeded", 1)]
    stub_state.latency = 0
    assert sync().status == "succeeded"


def test_an_expired_lease_lets_the_next_run_proceed(sync_app, enrol, sync, freeze) -> None:
    enrol("acct-a")
    settings = SyncSettings.from_settings(config.settings())
    crashed = runner.start_run(db.engine(), settings, "incremental", "crashed", "gone")
    with pytest.raises(runner.SyncAlreadyRunning):
        sync()
    freeze("2026-06-10T10:11:00+09:00")
    run = sync()
    assert run.status == "succeeded"
    with db.transaction(write=False) as session:
        abandoned = service.get_run(session, crashed.id)
    assert abandoned.status == "failed" and "abandoned" in abandoned.error


def test_an_unreadable_record_is_reported_and_not_deregistered(stub_state, enrol, sync) -> None:
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "fine.example")
    add(stub_state, "acct-a", "s2", "soon-broken.example")
    sync()
    stub_state.update_supplier("acct-a", "s2", primary_domain=None, assets=["192.0.2.10"])
    run = sync()
    result = results(run.id)["acct-a"]
    assert (run.status, result.unreadable, run.deregistered) == ("succeeded", 1, 0)
    assert "without domain" in result.message
    assert set(active(a.member_id)) == {"s1", "s2"}


def test_a_change_between_diff_and_write_is_planned_again(
    stub_state, enrol, sync, monkeypatch
) -> None:
    """An administrator deregisters s1 by hand after the run read the registrations: the
    run sees it under the lock and plans again (s1 is back: a new span, not a rename)."""
    a = enrol("acct-a")
    add(stub_state, "acct-a", "s1", "one.example")
    sync()
    stub_state.update_supplier("acct-a", "s1", name="One Renamed")
    original = apply._versions
    calls = []

    def versions_with_a_manual_change(session, member_ids):
        calls.append(member_ids)
        if len(calls) == 2:
            session.execute(
                update(Registration)
                .where(Registration.member_id == a.member_id)
                .values(deregistered_on=date(2026, 6, 5), updated_at=datetime.now(UTC))
            )
        return original(session, member_ids)

    monkeypatch.setattr(apply, "_versions", versions_with_a_manual_change)
    run = sync()
    assert (run.created, run.updated) == (1, 0)
    assert registrations(a.member_id) == [
        ("s1", "one.example", "S1", date(2026, 4, 1), date(2026, 6, 5)),
        ("s1", "one.example", "One Renamed", TODAY, None),
    ]
