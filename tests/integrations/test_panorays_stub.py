"""The fake vendor server answers like the documented API v2, faults included."""

from __future__ import annotations

import pytest
import requests

from integrations.panorays.stub import StubServer, StubState, seed_accounts


def get(stub: StubServer, token: str, **params: object) -> requests.Response:
    return requests.get(
        f"{stub.url}/v2/suppliers", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_seed_is_deterministic() -> None:
    first, second = StubState(), StubState()
    assert seed_accounts(first, 3, [4, 0, 2], seed=7) == seed_accounts(second, 3, [4, 0, 2], seed=7)
    assert first.suppliers("acct-0000") == second.suppliers("acct-0000")
    assert [len(first.suppliers(a)) for a in first.accounts()] == [4, 0, 2]


def test_envelope_and_cursor_paging(stub: StubServer, stub_state: StubState) -> None:
    token = seed_accounts(stub_state, 1, 250)["acct-0000"]
    first = get(stub, token).json()
    assert set(first) == {"data", "has_next", "has_previous", "next"}
    assert (len(first["data"]), first["has_next"], first["has_previous"]) == (100, True, False)
    second = get(stub, token, next_token=first["next"]).json()
    third = get(stub, token, next_token=second["next"], limit=100).json()
    assert (len(third["data"]), third["has_next"], third["has_previous"], third["next"]) == (
        50,
        False,
        True,
        None,
    )
    ids = [s["id"] for page in (first, second, third) for s in page["data"]]
    assert ids == [s["id"] for s in stub_state.suppliers("acct-0000")]


@pytest.mark.parametrize(("limit", "status"), [(0, 400), (1, 200), (100, 200), (101, 400)])
def test_limit_bounds(stub: StubServer, stub_state: StubState, limit: int, status: int) -> None:
    token = seed_accounts(stub_state, 1, 3)["acct-0000"]
    assert get(stub, token, limit=limit).status_code == status


def test_page_and_skip_are_ignored(stub: StubServer, stub_state: StubState) -> None:
    token = seed_accounts(stub_state, 1, 30)["acct-0000"]
    plain = get(stub, token, limit=10).json()["data"]
    assert get(stub, token, limit=10, page=3, skip=20).json()["data"] == plain


def test_token_decides_the_account(stub: StubServer, stub_state: StubState) -> None:
    tokens = seed_accounts(stub_state, 2, [1, 2])
    assert len(get(stub, tokens["acct-0001"]).json()["data"]) == 2
    assert get(stub, "not-a-token").status_code == 401
    old = tokens["acct-0000"]
    stub_state.revoke_token("acct-0000")
    assert get(stub, old).status_code == 401


def test_passing_the_rate_limit_blocks_the_token_for_an_hour(
    stub: StubServer, stub_state: StubState, clock
) -> None:
    tokens = seed_accounts(stub_state, 2, 1)
    token = tokens["acct-0000"]
    assert all(get(stub, token).status_code == 200 for _ in range(150))
    blocked = get(stub, token)
    assert (blocked.status_code, blocked.headers["Retry-After"]) == (429, "3600")
    assert get(stub, tokens["acct-0001"]).status_code == 200
    clock.now += 3599
    assert get(stub, token).status_code == 429
    clock.now += 2
    assert get(stub, token).status_code == 200


def test_block_without_retry_after(stub: StubServer, stub_state: StubState) -> None:
    stub_state.rate_limit_per_minute = 1
    stub_state.block_retry_after = False
    token = seed_accounts(stub_state, 1, 1)["acct-0000"]
    get(stub, token)
    blocked = get(stub, token)
    assert blocked.status_code == 429 and "Retry-After" not in blocked.headers


def test_requests_older_than_a_minute_leave_the_window(
    stub: StubServer, stub_state: StubState, clock
) -> None:
    stub_state.rate_limit_per_minute = 2
    token = seed_accounts(stub_state, 1, 1)["acct-0000"]
    for _ in range(4):
        assert get(stub, token).status_code == 200
        clock.now += 30.5


def test_faults_fire_as_configured(stub: StubServer, stub_state: StubState) -> None:
    tokens = seed_accounts(stub_state, 2, 150)
    token = tokens["acct-0000"]
    stub_state.add_fault("server_error", account_id="acct-0000", after_requests=1, times=2)
    stub_state.add_fault("rate_limit", account_id="acct-0001", retry_after=7)
    assert [get(stub, token).status_code for _ in range(4)] == [200, 503, 503, 200]
    limited = get(stub, tokens["acct-0001"])
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")


def test_cursor_expires_after_its_ttl(stub: StubServer, stub_state: StubState, clock) -> None:
    token = seed_accounts(stub_state, 1, 150)["acct-0000"]
    cursor = get(stub, token).json()["next"]
    clock.now += stub_state.cursor_ttl
    expired = get(stub, token, next_token=cursor)
    assert expired.status_code == 400 and expired.json()["code"] == "INVALID_NEXT_TOKEN"


def test_repeated_cursor(stub: StubServer, stub_state: StubState) -> None:
    token = seed_accounts(stub_state, 1, 350)["acct-0000"]
    stub_state.add_fault("repeat_cursor", times=None)
    cursor = get(stub, token).json()["next"]
    assert get(stub, token, next_token=cursor).json()["next"] == cursor


def test_bare_array_and_archived_switches(stub: StubServer, stub_state: StubState) -> None:
    token = seed_accounts(stub_state, 1, 120)["acct-0000"]
    supplier_id = stub_state.suppliers("acct-0000")[0]["id"]
    stub_state.set_approval("acct-0000", supplier_id, "ARCHIVED")
    stub_state.set_bare_array(True, "acct-0000")
    body = get(stub, token).json()
    assert isinstance(body, list) and len(body) == 120
    stub_state.list_archived = False
    assert supplier_id not in {s["id"] for s in get(stub, token).json()}
    assert len(get(stub, token).json()) == 120 - sum(
        s["approval"]["status"] == "ARCHIVED" for s in stub_state.suppliers("acct-0000")
    )


def test_connection_reset(stub: StubServer, stub_state: StubState) -> None:
    token = seed_accounts(stub_state, 1, 1)["acct-0000"]
    stub_state.add_fault("reset")
    with pytest.raises(requests.ConnectionError):
        get(stub, token)
    assert get(stub, token).status_code == 200


def test_admin_endpoints_change_the_data(stub: StubServer, stub_state: StubState) -> None:
    token = seed_accounts(stub_state, 1, 2)["acct-0000"]
    assert requests.get(f"{stub.url}/_stub/accounts").json() == {"acct-0000": token}
    added = requests.post(
        f"{stub.url}/_stub/accounts/acct-0000/suppliers",
        json={"name": "Acme", "primary_domain": "acme.example"},
    ).json()
    requests.patch(
        f"{stub.url}/_stub/accounts/acct-0000/suppliers/{added['id']}",
        json={"name": "Acme KK", "status": "REJECTED"},
    )
    first = stub_state.suppliers("acct-0000")[0]["id"]
    requests.delete(f"{stub.url}/_stub/accounts/acct-0000/suppliers/{first}")
    listed = {s["id"]: s for s in get(stub, token).json()["data"]}
    assert first not in listed
    assert (listed[added["id"]]["name"], listed[added["id"]]["approval"]["status"]) == (
        "Acme KK",
        "REJECTED",
    )


def test_mutate_random_changes_about_the_fraction() -> None:
    state = StubState()
    seed_accounts(state, 10, 100)
    counts = state.mutate_random(0.01)
    assert sum(counts.values()) == 10 and all(n == 2 for n in counts.values())
