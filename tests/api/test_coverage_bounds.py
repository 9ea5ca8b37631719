"""GET /coverage on days at and beyond the edges of all terms.

The administrator's answer skips walking a domain's registrations when the day lies before
the earliest start or after the latest end of every term (``_page_size_if_any_term_runs``).
These tests pin the answer on each side of those bounds, so the shortcut can never hide a
covered member: the first and last day of the program, a leap day, a gap between terms and a
cancellation's last day before its term's end.
"""

from __future__ import annotations

import pytest

from tests import factories as f

DOMAIN = "mail-relay.example.com"


@pytest.fixture
def program(client, admin):
    """Two members on a leap-year term from 2024-02-29, one on a later term cancelled early."""
    early = [f.insured_member(client, admin, "2024-02-29", "2025-02-28") for _ in range(2)]
    late = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    r = client.post(
        f"/api/v1/members/{late['id']}/terms/{late['term']['id']}/cancel",
        json={"last_day": "2026-12-31"},
        headers=admin,
    )
    assert r.status_code == 200, r.get_json()
    for m in [*early, late]:
        f.registration(client, admin, m["id"], DOMAIN, "2024-01-01")
    return early, late


def covered(client, headers, on: str, **params) -> tuple[list[int], int]:
    query = "&".join(f"{k}={v}" for k, v in {"domain": DOMAIN, "on": on, **params}.items())
    r = client.get(f"/api/v1/coverage?{query}", headers=headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["covered"] == (body["total"] > 0)
    return [c["member_id"] for c in body["coverages"]], body["total"]


@pytest.mark.parametrize(
    ("on", "who"),
    [
        ("2024-02-28", "nobody"),  # the day before the earliest start
        ("2024-02-29", "early"),  # the earliest start: a leap day
        ("2025-02-28", "early"),  # their last day
        ("2025-03-01", "nobody"),  # between the terms: inside the bounds, nobody runs
        ("2026-04-01", "late"),
        ("2026-12-31", "late"),  # the cancellation's last day
        ("2027-01-01", "nobody"),  # after it, though the latest end_date is still to come
        ("2027-03-31", "nobody"),  # the latest end_date itself
        ("2027-04-01", "nobody"),  # after every term
    ],
)
def test_the_answer_on_each_side_of_the_terms_bounds(client, admin, program, on, who):
    early, late = program
    expected = {
        "nobody": [],
        "early": [m["id"] for m in early],
        "late": [late["id"]],
    }[who]
    assert covered(client, admin, on) == (expected, len(expected))


def test_a_full_first_page_on_the_earliest_start_is_counted_and_paged(client, admin, program):
    early, _ = program
    ids = [m["id"] for m in early]
    assert covered(client, admin, "2024-02-29", page_size=1) == (ids[:1], 2)
    assert covered(client, admin, "2024-02-29", page_size=1, page=2) == (ids[1:], 2)
    assert covered(client, admin, "2024-02-28", page_size=1, page=2) == ([], 0)


def test_a_member_sees_its_own_entry_at_the_bounds(client, admin, program, member_headers):
    early, late = program
    mine = member_headers(early[0]["id"])
    assert covered(client, mine, "2024-02-29") == ([early[0]["id"]], 1)
    assert covered(client, mine, "2024-02-28") == ([], 0)
    theirs = member_headers(late["id"])
    assert covered(client, theirs, "2026-12-31") == ([late["id"]], 1)
    assert covered(client, theirs, "2027-01-01") == ([], 0)
