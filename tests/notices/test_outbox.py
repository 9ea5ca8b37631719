"""The outbox: one notice per cause (its key), whatever the kind, even when queued twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from groupcover import db
from groupcover.notices import outbox
from groupcover.notices.models import Notice
from tests import factories

TODAY = date(2026, 11, 25)


def _count(session, **where) -> int:
    stmt = select(func.count()).select_from(Notice)
    for key, value in where.items():
        stmt = stmt.where(getattr(Notice, key) == value)
    return session.execute(stmt).scalar_one()


def test_same_key_is_queued_once_across_transactions(app, client, admin):
    member_id = factories.member(client, admin)["id"]
    with app.app_context():
        with db.transaction() as session:
            first = outbox.enqueue(
                session,
                kind="limit_alert",
                key=f"limit_alert:{member_id}:50",
                member_id=member_id,
                today=TODAY,
                context={"threshold": 50},
            )
            assert first is not None and first.status == "pending"
            assert first.send_by == TODAY and first.context == {"threshold": 50}
        with db.transaction() as session:
            again = outbox.enqueue(
                session,
                kind="limit_alert",
                key=f"limit_alert:{member_id}:50",
                member_id=member_id,
                today=TODAY,
            )
            assert again is None
            assert _count(session, kind="limit_alert") == 1


def test_distinct_keys_and_kinds_are_separate_letters(app, client, admin):
    member_id = factories.member(client, admin)["id"]
    with app.app_context(), db.transaction() as session:
        for threshold in (50, 80, 100):
            outbox.enqueue(
                session,
                kind="limit_alert",
                key=f"limit_alert:{member_id}:{threshold}",
                member_id=member_id,
                today=TODAY,
                send_by=date(2026, 11, 30),
            )
        assert _count(session, kind="limit_alert", member_id=member_id) == 3
        assert _count(session, send_by=date(2026, 11, 30)) == 3


def test_unknown_kind_is_refused(app, client, admin):
    member_id = factories.member(client, admin)["id"]
    with app.app_context(), db.transaction() as session, pytest.raises(ValueError, match="kind"):
        outbox.enqueue(session, kind="postcard", key="x", member_id=member_id, today=TODAY)


@pytest.mark.parametrize(
    ("terms_id", "member_id", "key"),
    [(7, 42, "coverage_change:7:42"), (1, 1, "coverage_change:1:1")],
)
def test_coverage_change_key(terms_id, member_id, key):
    assert outbox.coverage_change_key(terms_id, member_id) == key
    assert key.startswith(outbox.coverage_change_key_prefix(terms_id))


def test_notices_list_filters_by_kind(app, client, admin):
    member_id = factories.member(client, admin)["id"]
    with app.app_context(), db.transaction() as session:
        outbox.enqueue(
            session, kind="limit_alert", key="limit_alert:t:50", member_id=member_id, today=TODAY
        )
    alerts = client.get("/api/v1/notices?kind=limit_alert", headers=admin).get_json()
    assert [(n["kind"], n["member_id"], n["coverage_terms_id"]) for n in alerts] == [
        ("limit_alert", member_id, None)
    ]
    assert client.get("/api/v1/notices?kind=withdrawal", headers=admin).get_json() == []
    assert client.get("/api/v1/notices?kind=postcard", headers=admin).status_code == 400
