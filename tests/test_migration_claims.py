"""Migration 0009_claims on data shaped like the old schema (causes ``regulatory`` and
``suspected_attack`` with ``attack_occurred``, payments without decisions, free-text
extensions): every incident, cost line and payment adds up exactly as before."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, create_engine, insert, select, text

from groupcover import db
from groupcover.migrate import upgrade
from tests.conftest import BACKENDS, PG_URL, _pg_schema_url

NOW = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def fresh_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"gc_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_schema_url(PG_URL, "public"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = db.make_engine(_pg_schema_url(PG_URL, schema))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _incident(member_id, term_id, cause, **values):
    row = {
        "member_id": member_id,
        "term_id": term_id,
        "occurred_on": date(2026, 5, 1),
        "discovered_on": date(2026, 5, 2),
        "place": "本社",
        "circumstances": "old",
        "cause": cause,
        "attack_occurred": False,
        "victims_encrypted": "gAAAA-not-decrypted-here",
        "covered": True,
        "documents": {},
        "claimed_yen": 0,
        "paid_yen": 0,
        "created_at": NOW,
        "updated_at": NOW,
        **values,
    }
    return row


def test_old_data_adds_up_the_same_after_0009(fresh_engine):
    upgrade(fresh_engine, "0006_cancellation_inside_term")
    meta = MetaData()
    meta.reflect(fresh_engine)
    t = meta.tables
    with fresh_engine.begin() as conn:
        member_id = conn.execute(
            insert(t["member"]).returning(t["member"].c.id),
            {"name": "Old K.K.", "contact_email": "a@old.jp", "created_at": NOW, "updated_at": NOW},
        ).scalar_one()
        term_id = conn.execute(
            insert(t["term"]).returning(t["term"].c.id),
            {
                "member_id": member_id,
                "start_date": date(2026, 4, 1),
                "end_date": date(2027, 3, 31),
                "aggregate_paid": 2_500_000,
                "created_at": NOW,
            },
        ).scalar_one()
        ids = {}
        for name, cause, values in [
            ("leak", "leak", {"claimed_yen": 1_500_000, "paid_yen": 1_500_000}),
            ("regulatory", "regulatory", {"claimed_yen": 700_000, "paid_yen": 0}),
            ("confirmed", "suspected_attack", {"attack_occurred": True, "claimed_yen": 300_000}),
            ("suspected", "suspected_attack", {"claimed_yen": 200_000}),
            (
                "overpaid",
                "attack",
                {
                    "claimed_yen": 400_000,
                    "paid_yen": 1_000_000,
                    "completed_on": date(2026, 6, 1),
                    "pay_by": date(2026, 9, 30),
                    "pay_by_extension_reason": "警察の捜査",
                },
            ),
            ("complete", "content", {"completed_on": date(2026, 6, 1), "pay_by": date(2026, 7, 1)}),
        ]:
            ids[name] = conn.execute(
                insert(t["incident"]).returning(t["incident"].c.id),
                _incident(member_id, term_id, cause, **values),
            ).scalar_one()
        lines = [
            ("leak", "incident_response", "サ", 1_000_000),
            ("leak", "individual_condolence", None, 500_000),
            ("regulatory", "investigation_reporting", "イ", 700_000),
            ("confirmed", "incident_response", "エ", 300_000),
            ("suspected", "investigation", None, 200_000),
            ("overpaid", "data_recovery", "ア", 400_000),
        ]
        for incident, category, item, amount in lines:
            conn.execute(
                insert(t["incident_cost"]),
                {
                    "incident_id": ids[incident],
                    "category": category,
                    "item": item,
                    "amount_yen": amount,
                    "incurred_on": date(2026, 5, 3),
                    "description": "old",
                    "created_at": NOW,
                },
            )
        for incident, amount, day in [
            ("leak", 1_000_000, date(2026, 7, 1)),
            ("leak", 500_000, date(2026, 7, 15)),
            ("overpaid", 1_000_000, date(2026, 8, 1)),
        ]:
            payment_id = conn.execute(
                insert(t["incident_payment"]).returning(t["incident_payment"].c.id),
                {
                    "incident_id": ids[incident],
                    "term_id": term_id,
                    "amount_yen": amount,
                    "paid_on": day,
                    "created_at": NOW,
                },
            ).scalar_one()
            conn.execute(
                insert(t["audit_entry"]),
                {
                    "at": NOW,
                    "actor": "admin:ops#1",
                    "action": "incident.payment",
                    "entity": "incident_payment",
                    "entity_id": payment_id,
                },
            )

    def sums(conn):
        return {
            "claimed": conn.execute(text("SELECT SUM(claimed_yen) FROM incident")).scalar_one(),
            "paid": conn.execute(text("SELECT SUM(paid_yen) FROM incident")).scalar_one(),
            "lines": conn.execute(text("SELECT SUM(amount_yen) FROM incident_cost")).scalar_one(),
            "payments": conn.execute(
                text("SELECT SUM(amount_yen) FROM incident_payment")
            ).scalar_one(),
            "aggregate": conn.execute(text("SELECT aggregate_paid FROM term")).scalar_one(),
            "incidents": conn.execute(text("SELECT COUNT(*) FROM incident")).scalar_one(),
        }

    with fresh_engine.connect() as conn:
        before = sums(conn)
    upgrade(fresh_engine)
    meta = MetaData()
    meta.reflect(fresh_engine)
    t = meta.tables
    with fresh_engine.connect() as conn:
        assert sums(conn) == before
        incidents = {row["id"]: row for row in conn.execute(select(t["incident"])).mappings()}
        groups = {
            (r["incident_id"], r["category"]): r["group"]
            for r in conn.execute(select(t["incident_cost"])).mappings()
        }
        events = conn.execute(
            select(
                t["incident_event"].c.incident_id,
                t["incident_event"].c.kind,
                t["incident_event"].c.actor,
            )
        ).all()
    assert groups == {
        (ids["leak"], "incident_response"): "leak",
        (ids["leak"], "individual_condolence"): "leak",
        (ids["regulatory"], "investigation_reporting"): "regulatory",
        (ids["confirmed"], "incident_response"): "suspected_attack",
        (ids["suspected"], "investigation"): "suspected_attack",
        (ids["overpaid"], "data_recovery"): "other",
    }
    by = {name: incidents[i] for name, i in ids.items()}
    assert by["regulatory"]["cause"] == "leak" and by["regulatory"]["status"] == "reported"
    assert by["confirmed"]["cause"] == "attack" and by["confirmed"]["confirmed_on"] is not None
    assert (
        by["suspected"]["cause"] == "suspected_attack" and by["suspected"]["confirmed_on"] is None
    )
    assert (by["leak"]["decision"], by["leak"]["status"]) == ("accepted", "paid")
    assert by["leak"]["approved_yen"] == 1_500_000
    assert by["leak"]["decided_on"] == date(2026, 7, 1)
    assert (by["overpaid"]["decision"], by["overpaid"]["status"]) == ("accepted", "paid")
    assert by["overpaid"]["approved_yen"] == 400_000  # paid above it stays visible as paid
    assert by["overpaid"]["pay_by_extension_reason"] == "other"
    assert by["overpaid"]["extension_detail"] == "警察の捜査"
    assert (by["complete"]["decision"], by["complete"]["status"]) == (None, "claim_complete")
    assert all(row["victims_count"] is None for row in incidents.values())  # no key at hand
    kinds = sorted((i, k) for i, k, _ in events)
    assert kinds.count((ids["leak"], "payment")) == 2
    assert (ids["leak"], "decision") in kinds and (ids["regulatory"], "cause_migrated") in kinds
    assert sum(1 for _, k, _ in events if k == "reported") == 6
    assert {a for _, k, a in events if k == "payment"} == {"admin:ops#1"}
