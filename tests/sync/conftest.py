"""Members whose vendor accounts live on a fake vendor server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from groupcover import config, db
from groupcover.suppliers.models import Registration
from groupcover.sync import runner
from groupcover.sync.models import SyncRun
from groupcover.sync.settings import SyncSettings
from integrations.panorays.stub import StubServer, StubState, serve_stub
from tests import factories as f


@pytest.fixture
def stub_state() -> StubState:
    return StubState()


@pytest.fixture
def stub(stub_state: StubState) -> Iterator[StubServer]:
    with serve_stub(stub_state) as server:
        yield server


@pytest.fixture
def sync_app(app: Flask, stub: StubServer) -> Flask:
    """The app pointed at the stub, with quick retries and timeouts."""
    config.update_settings(
        app,
        VENDOR_API_URL=stub.url,
        VENDOR_RETRIES=2,
        VENDOR_BACKOFF_FACTOR=0,
        VENDOR_READ_TIMEOUT=2,
        SYNC_CONCURRENCY=4,
    )
    return app


@dataclass
class Account:
    member_id: int
    account_id: str
    token: str


@pytest.fixture
def enrol(client, admin, stub_state: StubState) -> Callable[..., Account]:
    """A member with a term, a vendor account on the stub, and its credential stored."""

    def _enrol(account_id: str, *, credential: bool = True) -> Account:
        token = stub_state.add_account(account_id)
        member = f.insured_member(client, admin, vendor_account_id=account_id)
        if credential:
            r = client.put(
                f"/api/v1/members/{member['id']}/vendor-credential",
                json={"token": token},
                headers=admin,
            )
            assert r.status_code == 204, r.get_json()
        return Account(member["id"], account_id, token)

    return _enrol


@pytest.fixture
def sync(sync_app: Flask) -> Callable[..., SyncRun]:
    def _sync(mode: str = "incremental") -> SyncRun:
        settings = SyncSettings.from_settings(config.settings())
        return runner.run_sync(db.engine(), settings, mode, "test")

    return _sync


def registrations(member_id: int) -> list[tuple]:
    """(vendor id, domain, name, registered_on, deregistered_on) of a member, by id."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                Registration.vendor_supplier_id,
                Registration.domain,
                Registration.name,
                Registration.registered_on,
                Registration.deregistered_on,
            )
            .where(Registration.member_id == member_id)
            .order_by(Registration.id)
        ).all()
    return [tuple(row) for row in rows]


def active(member_id: int) -> dict[str, tuple]:
    return {row[0]: row for row in registrations(member_id) if row[4] is None}
