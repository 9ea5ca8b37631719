"""Vendor API safety (issue 10), through whole sync runs on both databases: a bare-array page
of exactly ``limit`` records is an incomplete walk, a ``Retry-After`` HTTP date is read, and
supplier contacts (personal data) are neither asked for, stored nor logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from groupcover import db
from groupcover.audit import AuditEntry
from groupcover.suppliers.models import Registration
from groupcover.sync import service
from groupcover.sync.models import SyncAccountResult, SyncRun
from integrations.panorays.client import FIELDS
from tests.sync.conftest import active


@pytest.fixture(autouse=True)
def _today(freeze) -> None:
    freeze("2026-06-10T10:00:00+09:00")


def add(state, account: str, n: int, **extra) -> None:
    state.add_supplier(
        account,
        supplier_id=f"{account}-s{n}",
        name=f"S{n}",
        primary_domain=f"s{n}.{account}.example",
        insert_ts="2026-04-01T03:00:00Z",
        **extra,
    )


def _results(run_id: int) -> dict[str, SyncAccountResult]:
    with db.transaction(write=False) as s:
        return {r.vendor_account_id: r for r in service.run_results(s, run_id)}


def test_a_bare_array_of_exactly_limit_records_deregisters_nothing(stub_state, enrol, sync):
    a, b = enrol("acct-a"), enrol("acct-b")
    for n in range(150):
        add(stub_state, "acct-a", n)
    add(stub_state, "acct-b", 1)
    assert sync().status == "succeeded"  # envelope pages: complete
    assert len(active(a.member_id)) == 150
    stub_state.remove_supplier("acct-a", "acct-a-s3")  # gone upstream...
    stub_state.set_bare_array(True)
    stub_state.bare_array_honours_limit = True  # ...but the answer stops at limit=100
    run = sync()
    results = _results(run.id)
    assert run.status == "failed" and run.accounts_failed == 1
    assert (results["acct-a"].status, results["acct-a"].reason) == ("failed", "truncated")
    assert "may be truncated" in (results["acct-a"].message or "")
    assert "acct-a (truncated)" in (run.error or "")
    assert len(active(a.member_id)) == 150 and run.deregistered == 0  # nothing deregistered
    assert results["acct-b"].status == "succeeded" and len(active(b.member_id)) == 1


def test_a_retry_after_http_date_sets_when_the_account_is_tried_again(stub_state, enrol, sync):
    enrol("acct-a")
    add(stub_state, "acct-a", 1)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    stub_state.add_fault("rate_limit", times=None, retry_after=format_datetime(until, usegmt=True))
    run = sync()
    result = _results(run.id)["acct-a"]
    assert result.reason == "rate_limited" and result.retry_at is not None
    # the run's clock is frozen, the header's date is real: the block is the header's wait
    assert (
        timedelta(minutes=29)
        < result.retry_at - datetime.fromisoformat("2026-06-10T10:00:00+09:00")
        <= timedelta(minutes=30)
    )


CONTACT = "contact.SENTINEL@supplier.example"


def test_contacts_are_never_asked_for_stored_or_logged(stub_state, enrol, sync, caplog):
    caplog.set_level(logging.DEBUG)
    a = enrol("acct-a")
    add(stub_state, "acct-a", 1, contacts=[{"name": "連絡 太郎", "email": CONTACT}])
    stub_state.honour_fields = False  # even a server that sends them anyway
    run = sync()
    assert run.status == "succeeded" and len(active(a.member_id)) == 1
    assert stub_state.last_args["fields"] == ",".join(FIELDS)
    with db.transaction(write=False) as s:
        stored = [
            repr(row.model_dump())
            for model in (Registration, AuditEntry, SyncRun, SyncAccountResult)
            for row in s.execute(select(model)).scalars()
        ]
    for text in [caplog.text, *stored]:
        assert "SENTINEL" not in text and "連絡" not in text
