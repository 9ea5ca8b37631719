"""The vendor client against the fake server over real HTTP: complete walks or typed errors."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from integrations.panorays.client import (
    FIELDS,
    AuthFailed,
    BadCredential,
    CursorExpired,
    PanoraysClient,
    RateLimited,
    RepeatedCursor,
    Throttle,
    TruncatedWalk,
    VendorUnavailable,
    _retry_after,
)
from integrations.panorays.stub import StubServer, StubState, seed_accounts


@pytest.fixture
def make_client(stub: StubServer, throttle: Throttle, clock):
    clients: list[PanoraysClient] = []

    def make(token: str, **options) -> PanoraysClient:
        options.setdefault("throttle", throttle)
        options.setdefault("sleep", clock.sleep)
        options.setdefault("backoff_factor", 0)
        client = PanoraysClient(stub.url, token, label="acct", **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def walk(client: PanoraysClient) -> list[str]:
    return [record["id"] for page in client.iter_pages() for record in page]


def all_ids(state: StubState, account_id: str = "acct-0000") -> list[str]:
    return [s["id"] for s in state.suppliers(account_id)]


@pytest.mark.parametrize(
    ("suppliers", "page_size", "requests_sent"),
    [(0, 100, 1), (1, 100, 1), (100, 100, 1), (200, 100, 2), (201, 100, 3), (50, 7, 8)],
)
def test_walk_reads_every_page(
    stub_state: StubState, make_client, suppliers: int, page_size: int, requests_sent: int
) -> None:
    token = seed_accounts(stub_state, 1, suppliers)["acct-0000"]
    client = make_client(token, page_size=page_size)
    assert walk(client) == all_ids(stub_state)
    assert client.requests_sent == stub_state.request_count() == requests_sent


def test_walk_follows_has_next_not_the_page_length(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 30)["acct-0000"]
    stub_state.page_shortfall = 3
    client = make_client(token, page_size=10)
    assert walk(client) == all_ids(stub_state)
    assert client.requests_sent == 5


def test_pages_are_streamed(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 350)["acct-0000"]
    pages = make_client(token).iter_pages()
    assert len(next(pages)) == 100
    assert stub_state.request_count() == 1


CONTACTS = [{"name": "山田 太郎", "email": "taro.contact@supplier.example"}]


@pytest.mark.parametrize("server_honours_fields", [True, False])
def test_only_the_fields_the_sync_reads_are_asked_for_and_kept(
    stub_state: StubState, make_client, server_honours_fields: bool
) -> None:
    stub_state.honour_fields = server_honours_fields
    stub_state.add_account("acct-0000", "tok")
    stub_state.add_supplier(
        "acct-0000", name="A", primary_domain="a.example", risk={"x": 1}, contacts=CONTACTS
    )
    [[record]] = list(make_client("tok").iter_pages())
    assert stub_state.last_args["fields"] == ",".join(FIELDS)
    assert set(record) == {"id", "name", "primary_domain", "assets", "insert_ts", "approval"}
    assert "taro.contact" not in repr(record)


def test_bare_array_is_one_complete_page(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 250)["acct-0000"]
    stub_state.set_bare_array(True)
    pages = list(make_client(token).iter_pages())
    assert len(pages) == 1 and [r["id"] for r in pages[0]] == all_ids(stub_state)


@pytest.mark.parametrize("listed", [True, False])
def test_archived_listed_or_hidden(stub_state: StubState, make_client, listed: bool) -> None:
    token = seed_accounts(stub_state, 1, 40)["acct-0000"]
    stub_state.list_archived = listed
    archived = {
        s["id"] for s in stub_state.suppliers("acct-0000") if s["approval"]["status"] == "ARCHIVED"
    }
    assert archived
    assert (archived <= set(walk(make_client(token)))) is listed


@pytest.mark.parametrize(("failures", "ok"), [(3, True), (4, False)])
def test_server_errors_are_retried_then_fail(
    stub_state: StubState, make_client, failures: int, ok: bool
) -> None:
    token = seed_accounts(stub_state, 1, 250)["acct-0000"]
    stub_state.add_fault("server_error", after_requests=1, times=failures, status=502)
    client = make_client(token, retries=3)
    if ok:
        assert walk(client) == all_ids(stub_state)
    else:
        with pytest.raises(VendorUnavailable, match="502 after retries"):
            walk(client)
    assert client.requests_sent == stub_state.request_count()


@pytest.mark.parametrize(("resets", "ok"), [(2, True), (5, False)])
def test_reset_connections_are_retried_then_fail(
    stub_state: StubState, make_client, resets: int, ok: bool
) -> None:
    token = seed_accounts(stub_state, 1, 150)["acct-0000"]
    stub_state.add_fault("reset", times=resets)
    client = make_client(token, retries=3)
    if ok:
        assert walk(client) == all_ids(stub_state)
    else:
        with pytest.raises(VendorUnavailable):
            walk(client)


def test_slow_answers_time_out(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 5)["acct-0000"]
    stub_state.latency = 0.3
    with pytest.raises(VendorUnavailable):
        walk(make_client(token, read_timeout=0.05, retries=1))
    assert len(walk(make_client(token, read_timeout=2))) == 5


def test_short_retry_after_is_honoured(stub_state: StubState, make_client, clock) -> None:
    token = seed_accounts(stub_state, 1, 150)["acct-0000"]
    stub_state.add_fault("rate_limit", after_requests=1, retry_after=2)
    assert walk(make_client(token, max_retry_after=5)) == all_ids(stub_state)
    assert 2 in clock.slept


@pytest.mark.parametrize("retry_after", [None, 6, 3600])
def test_429_without_short_retry_after_fails_at_once(
    stub_state: StubState, make_client, retry_after: int | None
) -> None:
    token = seed_accounts(stub_state, 1, 150)["acct-0000"]
    stub_state.add_fault("rate_limit", times=None, retry_after=retry_after)
    with pytest.raises(RateLimited) as caught:
        walk(make_client(token, max_retry_after=5))
    assert caught.value.retry_after == retry_after
    assert stub_state.request_count() == 1


def test_the_throttle_keeps_a_token_under_the_vendor_limit(
    stub_state: StubState, make_client, clock
) -> None:
    stub_state.rate_limit_per_minute = 5
    token = seed_accounts(stub_state, 1, 20)["acct-0000"]
    client = make_client(token, page_size=1, throttle=Throttle(4, clock=clock, sleep=clock.sleep))
    assert walk(client) == all_ids(stub_state)
    assert not stub_state.is_blocked("acct-0000")
    assert sum(clock.slept) >= 4 * 60


def test_passing_the_vendor_limit_fails_without_hammering(
    stub_state: StubState, make_client, clock
) -> None:
    stub_state.rate_limit_per_minute = 5
    token = seed_accounts(stub_state, 1, 20)["acct-0000"]
    client = make_client(token, page_size=1, throttle=Throttle(100, clock=clock))
    with pytest.raises(RateLimited):
        walk(client)
    assert stub_state.is_blocked("acct-0000")
    assert stub_state.request_count() == 6


def test_expired_cursor_is_its_own_error(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 250)["acct-0000"]
    stub_state.add_fault("cursor_expired", after_requests=1)
    with pytest.raises(CursorExpired):
        walk(make_client(token))
    assert walk(make_client(token)) == all_ids(stub_state)


def test_repeated_cursor_is_detected(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 1000)["acct-0000"]
    stub_state.add_fault("repeat_cursor", times=None)
    with pytest.raises(RepeatedCursor):
        walk(make_client(token))
    assert stub_state.request_count() == 2


def test_bad_token_fails_and_is_never_shown(
    stub_state: StubState, make_client, caplog: pytest.LogCaptureFixture
) -> None:
    seed_accounts(stub_state, 1, 1)
    secret = "pt_wrong-secret-token"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthFailed) as caught:
        walk(make_client(secret))
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert secret not in caplog.text


def test_throttle_holds_across_threads(clock) -> None:
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.now += seconds

    throttle = Throttle(10, clock=clock, sleep=sleep)
    start = clock.now
    threads = [threading.Thread(target=throttle.acquire, args=("k",)) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now - start >= 120


@pytest.mark.parametrize(
    ("suppliers", "page_size", "honours_limit", "truncated"),
    [
        (250, 100, True, True),  # cut at limit: the rest is out of reach
        (100, 100, True, True),  # exactly limit: cannot tell whether more exist
        (100, 100, False, True),
        (99, 100, True, False),
        (0, 100, True, False),
        (7, 7, False, True),
        (250, 100, False, False),  # the whole list in one answer: more than limit, complete
    ],
)
def test_a_bare_array_of_exactly_limit_records_is_a_truncated_walk(
    stub_state: StubState,
    make_client,
    suppliers: int,
    page_size: int,
    honours_limit: bool,
    truncated: bool,
) -> None:
    token = seed_accounts(stub_state, 1, suppliers)["acct-0000"]
    stub_state.set_bare_array(True)
    stub_state.bare_array_honours_limit = honours_limit
    client = make_client(token, page_size=page_size)
    if truncated:
        with pytest.raises(TruncatedWalk, match="may be truncated"):
            walk(client)
    else:
        assert walk(client) == all_ids(stub_state)


NOW = datetime(2026, 11, 25, 15, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("Wed, 25 Nov 2026 15:00:10 GMT", 10.0),
        ("Wed, 25 Nov 2026 16:00:00 GMT", 3600.0),
        ("Wed, 25 Nov 2026 14:59:00 GMT", 0.0),  # already past: no wait
        ("Wed, 25 Nov 2026 15:00:10 -0000", 10.0),
        ("Thu, 26 Nov 2026 00:00:10 +0900", 10.0),
        ("7", 7.0),
        ("0", 0.0),
        ("-3", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_as_seconds_or_http_date(header: str | None, seconds: float | None) -> None:
    assert _retry_after(header, NOW) == seconds


def test_retry_after_http_date_is_honoured_or_refused(stub_state: StubState, make_client) -> None:
    token = seed_accounts(stub_state, 1, 150)["acct-0000"]
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    stub_state.add_fault("rate_limit", after_requests=1, retry_after=soon)
    assert walk(make_client(token, max_retry_after=5)) == all_ids(stub_state)
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    stub_state.add_fault("rate_limit", retry_after=later)
    with pytest.raises(RateLimited) as caught:
        walk(make_client(token, max_retry_after=5))
    assert 3500 < (caught.value.retry_after or 0) <= 3600


@pytest.mark.parametrize(
    "token", ["pt_SENTINEL\n", "pt_SENTINEL\r\nX-Evil: 1", "pt_SENTINEL é", "pt_トークン"]
)
def test_a_token_that_is_no_header_value_is_refused_unsent(
    stub_state: StubState, make_client, caplog: pytest.LogCaptureFixture, token: str
) -> None:
    caplog.set_level(logging.DEBUG)
    seed_accounts(stub_state, 1, 1)
    with pytest.raises(BadCredential) as caught:
        walk(make_client(token))
    assert stub_state.request_count() == 0
    assert "SENTINEL" not in str(caught.value) and "トークン" not in str(caught.value)
    assert "SENTINEL" not in caplog.text
