"""Coverage-terms changes and their notices over the API (seed 004 §2②, rule N1)."""

from __future__ import annotations

import sys
import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from groupcover import db
from groupcover.coverage_terms import flows
from groupcover.coverage_terms.service import Change
from groupcover.notices.service import LATE_MEMBER_REASON
from tests import factories as f

TODAY = "2027-01-15T10:00:00+09:00"  # N1: earliest effective date 2027-03-16, send_by 2027-01-15
CHANGE = {
    "effective_date": "2027-03-16",
    "per_incident_limit": 2_000_000,
    "aggregate_limit": 8_000_000,
    "summary_ja": "支払実績を踏まえ、限度額を引き下げます。",
    "summary_en": "The limits are lowered in view of the claims paid.",
}


def publish(client, admin, status=201, **changes):
    response = client.post("/api/v1/coverage-terms", json={**CHANGE, **changes}, headers=admin)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def notices(client, headers, query=""):
    response = client.get(f"/api/v1/notices{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def members(client, admin, freeze):
    """Who is affected by a change effective 2027-03-16 and who is not."""
    freeze("2026-04-01T09:00:00+09:00")
    running = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    ends_before = f.insured_member(client, admin, "2026-04-01", "2027-03-15")
    future = f.member(client, admin)
    f.term(client, admin, future["id"], "2027-04-01", "2028-03-31")
    cancelled = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    response = client.post(
        f"/api/v1/members/{cancelled['id']}/terms/{cancelled['term']['id']}/cancel",
        json={"last_day": "2027-03-15"},
        headers=admin,
    )
    assert response.status_code == 200
    no_term = f.member(client, admin)
    freeze(TODAY)
    return {
        "running": running,
        "ends_before": ends_before,
        "future": future,
        "cancelled": cancelled,
        "no_term": no_term,
    }


def test_publishing_creates_one_notice_per_member_with_a_term_on_or_after_the_date(
    client, admin, members
):
    version = publish(client, admin)

    assert version["notices_created"] == 2
    assert version["published_on"] == "2027-01-15"
    assert version["override_reason"] is None
    listed = notices(client, admin)
    assert [n["member_id"] for n in listed] == [members["running"]["id"], members["future"]["id"]]
    for notice in listed:
        assert notice["coverage_terms_id"] == version["id"]
        assert notice["send_by"] == "2027-01-15"
        assert notice["status"] == "pending"
        assert notice["sent_at"] is None and notice["acknowledged_at"] is None
        assert notice["late"] is False
    versions = client.get("/api/v1/coverage-terms", headers=admin).get_json()
    assert [(v["effective_date"], v["per_incident_limit"], v["aggregate_limit"]) for v in versions][
        -1
    ] == ("2027-03-16", 2_000_000, 8_000_000)


@pytest.mark.parametrize(
    ("today", "effective_date", "earliest"),
    [
        ("2027-01-15T10:00:00+09:00", "2027-03-15", "2027-03-16"),
        ("2026-12-30T10:00:00+09:00", "2027-02-28", "2027-03-01"),
        ("2027-01-31T23:59:00+09:00", "2027-03-31", "2027-04-01"),
        # 2027-01-30 15:30 UTC is already 31 January in Tokyo: the program's today counts.
        ("2027-01-30T15:30:00+00:00", "2027-03-31", "2027-04-01"),
    ],
)
def test_too_early_is_422_naming_the_earliest_allowed_date(
    client, admin, freeze, today, effective_date, earliest
):
    freeze(today)
    body = publish(client, admin, 422, effective_date=effective_date)

    assert body["field"] == "effective_date"
    assert body["rule"] == "notice_two_months"
    assert body["earliest_allowed"] == earliest
    assert earliest in body["message"]
    assert len(client.get("/api/v1/coverage-terms", headers=admin).get_json()) == 1


def test_the_earliest_allowed_date_itself_is_accepted(client, admin, freeze):
    freeze("2027-01-31T23:59:00+09:00")
    assert publish(client, admin, effective_date="2027-04-01")["effective_date"] == "2027-04-01"


def test_override_reason_is_recorded_and_said_in_the_letter(client, admin, members):
    reason = "保険会社の料率改定が急遽決定したため / the insurer's rate revision came late"
    version = publish(client, admin, effective_date="2027-02-01", override_reason=reason)

    assert version["override_reason"] == reason
    listed = notices(client, admin)
    assert {n["send_by"] for n in listed} == {"2026-11-30"}
    assert all(n["late"] for n in listed)
    detail = client.get(f"/api/v1/notices/{listed[0]['id']}", headers=admin).get_json()
    japanese, english = detail["body"].split("\nEnglish\n")
    assert "原則として2か月以上前" in japanese and reason in japanese
    assert "at least two months in advance" in english and reason in english
    audit = client.get("/api/v1/audit?entity=coverage_terms", headers=admin).get_json()
    assert any(e["after"].get("override_reason") == reason for e in audit)


def test_override_reason_on_a_change_in_time_is_not_called_late(client, admin, members):
    publish(client, admin, override_reason="just in case")
    detail = client.get(
        f"/api/v1/notices/{notices(client, admin)[0]['id']}", headers=admin
    ).get_json()
    assert "2か月以上前" not in detail["body"] and detail["late"] is False


@pytest.mark.parametrize(
    ("changes", "status", "rule"),
    [
        ({"effective_date": "2027-01-15", "override_reason": "x"}, 422, "effective_date_in_future"),
        ({"effective_date": "2027-01-10", "override_reason": "x"}, 422, "effective_date_in_future"),
        ({"per_incident_limit": 9_000_000}, 422, "per_incident_within_aggregate"),
        ({"per_incident_limit": 0}, 422, "limits_positive"),
        ({"aggregate_limit": -1}, 422, "limits_positive"),
        ({"per_incident_limit": "2000000"}, 400, "schema"),
        ({"per_incident_limit": 2_000_000.5}, 400, "schema"),
        ({"effective_date": "2027-02-30"}, 400, "schema"),
        ({"summary_ja": ""}, 400, "schema"),
    ],
)
def test_publishing_refuses_bad_changes(client, admin, freeze, changes, status, rule):
    freeze(TODAY)
    body = publish(client, admin, status, **changes)
    assert body["rule"] == rule
    assert body["field"] in changes


def test_a_version_must_take_effect_after_the_latest_one(client, admin, freeze):
    freeze(TODAY)
    publish(client, admin, effective_date="2027-06-01")
    body = publish(client, admin, 409, effective_date="2027-05-01")
    assert body["rule"] == "coverage_terms_after_latest"
    assert publish(client, admin, 409, effective_date="2027-06-01")["field"] == "effective_date"


def test_only_administrators_publish_or_preview(client, admin, members, member_headers):
    own = member_headers(members["running"]["id"])
    for path in ("/api/v1/coverage-terms", "/api/v1/coverage-terms/preview"):
        assert client.post(path, json=CHANGE, headers=own).status_code == 403
        assert client.post(path, json=CHANGE).status_code == 401


def test_preview_shows_members_send_by_and_letter_and_stores_nothing(client, admin, members):
    response = client.post("/api/v1/coverage-terms/preview", json=CHANGE, headers=admin)

    assert response.status_code == 200
    body = response.get_json()
    assert body["today"] == "2027-01-15" and body["earliest_allowed"] == "2027-03-16"
    assert body["send_by"] == "2027-01-15" and body["late"] is False
    assert body["members_affected"] == 2
    assert [(n["member_id"], n["send_by"]) for n in body["notices"]] == [
        (members["running"]["id"], "2027-01-15"),
        (members["future"]["id"], "2027-01-15"),
    ]
    letter = body["letter"]
    assert letter["member_id"] == members["running"]["id"]
    assert members["running"]["name"] in letter["body"]
    assert "変更前 3,000,000円 → 変更後 2,000,000円" in letter["body"]
    assert "now ¥10,000,000 -> new ¥8,000,000" in letter["body"]
    assert notices(client, admin) == []
    assert len(client.get("/api/v1/coverage-terms", headers=admin).get_json()) == 1


def test_preview_refuses_what_publishing_would_refuse(client, admin, members):
    response = client.post(
        "/api/v1/coverage-terms/preview",
        json={**CHANGE, "effective_date": "2027-03-01"},
        headers=admin,
    )
    assert response.status_code == 422
    assert response.get_json()["earliest_allowed"] == "2027-03-16"


def test_members_read_and_acknowledge_only_their_own_notices(
    client, admin, members, member_headers
):
    publish(client, admin)
    mine, theirs = notices(client, admin)
    own = member_headers(mine["member_id"])
    other = member_headers(theirs["member_id"])

    assert [n["id"] for n in notices(client, own)] == [mine["id"]]
    # API.md: a member's filter naming another member yields an empty list
    assert notices(client, own, f"?member_id={theirs['member_id']}") == []
    assert client.get(f"/api/v1/notices/{theirs['id']}", headers=own).status_code == 404
    ack = f"/api/v1/notices/{theirs['id']}/acknowledge"
    assert client.post(ack, headers=own).status_code == 404
    assert client.post(ack, headers=admin).status_code == 403
    assert client.get("/api/v1/notices/99999", headers=admin).status_code == 404

    detail = client.get(f"/api/v1/notices/{mine['id']}", headers=own).get_json()
    assert members["running"]["name"] in detail["body"]
    assert detail["subject"].startswith("【補償内容変更のお知らせ】")
    assert f"/console/notices/{mine['id']}\n" in detail["body"]

    first = client.post(f"/api/v1/notices/{mine['id']}/acknowledge", headers=own)
    again = client.post(f"/api/v1/notices/{mine['id']}/acknowledge", headers=own)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["acknowledged_at"] is not None
    assert again.get_json() == first.get_json()
    assert (
        client.post(f"/api/v1/notices/{theirs['id']}/acknowledge", headers=other).status_code == 200
    )

    assert [n["id"] for n in notices(client, admin, "?acknowledged=true")] == [
        mine["id"],
        theirs["id"],
    ]


def test_administrator_filters_unacknowledged_status_and_member(
    client, admin, members, member_headers
):
    publish(client, admin)
    mine, theirs = notices(client, admin)
    client.post(
        f"/api/v1/notices/{mine['id']}/acknowledge", headers=member_headers(mine["member_id"])
    )

    assert [n["id"] for n in notices(client, admin, "?acknowledged=false")] == [theirs["id"]]
    assert [n["id"] for n in notices(client, admin, f"?member_id={mine['member_id']}")] == [
        mine["id"]
    ]
    assert len(notices(client, admin, "?status=pending")) == 2
    assert notices(client, admin, "?status=sent") == []
    assert client.get("/api/v1/notices?status=lost", headers=admin).status_code == 400
    page = client.get("/api/v1/notices?page_size=1&page=2", headers=admin)
    assert [n["id"] for n in page.get_json()] == [theirs["id"]]
    assert '"total": 2' in page.headers["X-Pagination"]


def test_a_member_given_a_term_before_the_effective_date_gets_its_notice(
    client, admin, members, freeze
):
    version = publish(client, admin)
    freeze("2027-02-01T09:00:00+09:00")  # after send_by (2027-01-15), before 2027-03-16
    late = f.insured_member(client, admin, "2027-02-01", "2028-01-31")
    short = f.insured_member(client, admin, "2027-02-01", "2027-03-15")
    f.term(client, admin, members["running"]["id"], "2027-04-01", "2028-03-31")  # renewal

    listed = notices(client, admin, f"?coverage_terms_id={version['id']}")
    by_member = {n["member_id"]: n for n in listed}
    assert set(by_member) == {members["running"]["id"], members["future"]["id"], late["id"]}
    assert short["id"] not in by_member
    notice = by_member[late["id"]]
    assert notice["send_by"] == "2027-01-15" and notice["late"] is True
    body = client.get(f"/api/v1/notices/{notice['id']}", headers=admin).get_json()["body"]
    assert LATE_MEMBER_REASON in body
    in_time = by_member[members["running"]["id"]]["id"]
    body = client.get(f"/api/v1/notices/{in_time}", headers=admin).get_json()["body"]
    assert LATE_MEMBER_REASON not in body
    # Unsent after send_by: every notice is late now, not only the one created late.
    assert len(notices(client, admin, "?late=true")) == 3
    assert notices(client, admin, "?late=false") == []


def test_a_term_given_after_the_effective_date_gets_no_notice(client, admin, members, freeze):
    publish(client, admin)
    freeze("2027-03-16T09:00:00+09:00")
    f.insured_member(client, admin, "2027-03-16", "2028-03-15")
    assert len(notices(client, admin)) == 2


def test_coverage_uses_the_version_in_force_on_the_day_asked(client, admin, members):
    member_id = members["running"]["id"]
    f.registration(client, admin, member_id, "supplier.example.jp", "2026-05-01")
    publish(client, admin)

    def limits(day: str) -> tuple[tuple, tuple]:
        own = client.get(f"/api/v1/members/{member_id}/coverage?on={day}", headers=admin).get_json()
        supplier = client.get(
            f"/api/v1/coverage?domain=supplier.example.jp&on={day}", headers=admin
        ).get_json()["coverages"][0]
        return (
            (own["per_incident_limit"], own["aggregate_limit"]),
            (supplier["per_incident_limit"], supplier["aggregate_limit"]),
        )

    assert limits("2027-03-15") == ((3_000_000, 10_000_000),) * 2
    assert limits("2027-03-16") == ((2_000_000, 8_000_000),) * 2
    assert limits("2027-03-31") == ((2_000_000, 8_000_000),) * 2


def wait_until_blocked_by(session: Session, thread: threading.Thread) -> None:
    """Return once ``thread`` waits for the write lock ``session`` holds; fail after 10 s.

    PostgreSQL lists the waiting INSERT INTO term in ``pg_locks`` as not granted; SQLite's
    waiting writer sits in its ``BEGIN IMMEDIATE`` (``groupcover.db``'s begin hook) until this
    transaction ends.
    """

    def blocked() -> bool:
        if db.is_postgres(session):
            return session.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks"
                    " WHERE NOT granted AND relation = 'term'::regclass)"
                )
            ).scalar_one()
        frame = sys._current_frames().get(thread.ident)
        while frame is not None:
            if frame.f_code.co_name == "_on_begin":
                return True
            frame = frame.f_back
        return False

    deadline = time.monotonic() + 10
    while not blocked():
        assert thread.is_alive(), "the writer finished without waiting for the publication"
        assert time.monotonic() < deadline, "the writer never waited for the publication"
        time.sleep(0.005)


def test_a_term_written_while_a_change_is_being_published_gets_its_notice(client, admin, freeze):
    """The publication's transaction and a concurrent term creation cannot miss each other."""
    freeze(TODAY)
    member = f.member(client, admin)
    responses = []
    writer = threading.Thread(
        target=lambda: responses.append(
            client.post(
                f"/api/v1/members/{member['id']}/terms",
                json={"start_date": "2027-02-01", "end_date": "2028-01-31"},
                headers=admin,
            )
        )
    )
    with db.transaction() as session:
        flows.publish(
            session,
            Change(**{**CHANGE, "effective_date": date(2027, 3, 16)}),
            date(2027, 1, 15),
        )
        writer.start()
        wait_until_blocked_by(session, writer)  # the term's write now waits for this one
    writer.join()

    assert responses[0].status_code == 201
    assert [n["member_id"] for n in notices(client, admin)] == [member["id"]]
