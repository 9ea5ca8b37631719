"""A sentinel vendor credential through every way a walk can fail (issue 10): it never reaches
a log line, a stored run or account result, the audit trail, or an API answer."""

from __future__ import annotations

import logging

import pytest
import urllib3
from sqlalchemy import select

from groupcover import config, crypto, db
from groupcover.audit import AuditEntry
from groupcover.members.models import Member
from groupcover.redact import REDACTED, RedactingFilter, describe, redact
from groupcover.sync.models import SyncAccountResult, SyncRun
from integrations.panorays.stub import StubState

SENTINEL = "pt_SENTINEL-7f3Qz"


def _store_raw(member_id: int, token: str) -> None:
    """Store a credential as an older release could have (no validation on the way in)."""
    with db.transaction() as s:
        member = s.get(Member, member_id)
        assert member is not None
        member.vendor_credential = crypto.encrypt(token)


def _revoked(state: StubState, app) -> str:
    state.revoke_token("acct-a")
    return SENTINEL


def _rate_limited(state: StubState, app) -> str:
    state.add_fault("rate_limit", times=None)
    return SENTINEL


def _server_error(state: StubState, app) -> str:
    state.add_fault("server_error", times=None, status=502)
    return SENTINEL


def _timeout(state: StubState, app) -> str:
    state.latency = 0.4
    config.update_settings(app, VENDOR_READ_TIMEOUT=0.1, VENDOR_RETRIES=1)
    return SENTINEL


def _bad_header(state: StubState, app) -> str:
    return SENTINEL + "\n"


def _non_latin1(state: StubState, app) -> str:
    return SENTINEL + "トークン"


def _http_stack_quotes_the_header(state: StubState, app, monkeypatch=None) -> str:
    return SENTINEL


PATHS = {
    "401": _revoked,
    "429": _rate_limited,
    "5xx": _server_error,
    "timeout": _timeout,
    "bad header value": _bad_header,
    "non-Latin-1 token": _non_latin1,
    "HTTP stack error quoting the header": _http_stack_quotes_the_header,
}


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_sentinel_credential_is_absent_everywhere(
    sync_app, client, admin, stub_state, enrol, sync, caplog, monkeypatch, path
) -> None:
    caplog.set_level(logging.DEBUG)
    stub_state.add_account("acct-a", SENTINEL)
    stub_state.add_supplier("acct-a", name="A", primary_domain="a.example")
    account = enrol("acct-other", credential=False)
    from tests import factories as f

    member = f.insured_member(client, admin, vendor_account_id="acct-a")
    token = path(stub_state, sync_app)
    _store_raw(member["id"], token)
    if path is _http_stack_quotes_the_header:

        def explode(self, method, url, **kw):
            raise ValueError(f"Invalid header value b'Bearer {token}\\n' ({token!r})")

        monkeypatch.setattr(urllib3.PoolManager, "request", explode)

    run = sync()

    assert run.status == "failed" and run.accounts_failed == 1
    with db.transaction(write=False) as s:
        stored = [
            repr(row.model_dump())
            for model in (SyncRun, SyncAccountResult, AuditEntry)
            for row in s.execute(select(model)).scalars()
        ]
        result = s.execute(
            select(SyncAccountResult).where(SyncAccountResult.member_id == member["id"])
        ).scalar_one()
    assert result.status == "failed" and result.message
    answers = [
        client.get(f"/api/v1/sync-runs/{run.id}", headers=admin).get_data(as_text=True),
        client.get("/api/v1/sync-runs", headers=admin).get_data(as_text=True),
        client.get("/api/v1/audit?page_size=500", headers=admin).get_data(as_text=True),
        client.get(f"/api/v1/members/{member['id']}", headers=admin).get_data(as_text=True),
    ]
    for text in [caplog.text, *stored, *answers]:
        assert "SENTINEL" not in text
    assert account.member_id  # the member without a credential is reported, not walked


@pytest.mark.parametrize(
    "text",
    [
        f"Invalid header value b'Bearer {SENTINEL}\\n'",
        f"headers={{'Authorization': 'Bearer {SENTINEL}'}}",
        f"Authorization: {SENTINEL}",
        f"authorization={SENTINEL}; next",
        f"Proxy-Authorization: Basic {SENTINEL}",
        f"GET /?token=x bearer%20{SENTINEL}",
    ],
)
def test_redact_removes_bearer_and_authorization_fragments(text: str) -> None:
    clean = redact(text)
    assert SENTINEL not in clean and REDACTED in clean


def test_redact_removes_the_given_secret_in_every_printed_form() -> None:
    secret = SENTINEL + "é\n"
    error = ValueError(f"raw {secret} repr {secret!r} bytes {secret.encode()!r}")
    text = describe(error, [secret])
    assert "SENTINEL" not in text and text.startswith("ValueError: raw ")


def test_log_filter_redacts_messages_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "sent %s", (f"Bearer {SENTINEL}",), None
    )
    try:
        raise RuntimeError(f"Authorization: Bearer {SENTINEL}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "SENTINEL" not in formatted and "RuntimeError" in formatted
