"""CSV exports, the bordereau and renewals to chase (issue 14)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import update

from groupcover import db
from groupcover.incidents.models import Incident
from groupcover.reports.service import Month
from tests import factories as f
from tests.api.test_imports import CSV

BOM = b"\xef\xbb\xbf"


def rows_of(response) -> list[dict[str, str]]:
    raw = response.get_data()
    assert raw.startswith(BOM)
    text = raw[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n")
    assert "\r\n" in text.split("\n", 1)[0] + "\n"  # records end in CRLF (cells keep LF)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_members_export_is_excel_friendly_and_reads_back_unchanged(client, admin):
    f.member(client, admin, name='=HYPERLINK("x")', corporate_number="8700110005901")
    f.member(client, admin, name="株式会社 改行\n二行目", vendor_account_id="acct-b")
    r = client.get("/api/v1/exports/members.csv", headers=admin)
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="groupcover-members-')
    rows = rows_of(r)
    assert [row["name"] for row in rows] == ['\'=HYPERLINK("x")', "株式会社 改行\n二行目"]
    assert rows[0]["corporate_number"] == "8700110005901"
    assert rows[1]["has_vendor_credential"] == "false"
    assert "vendor_credential" not in rows[0]
    again = client.post(
        "/api/v1/imports/members", data=r.get_data(), headers={**admin, **CSV}
    ).get_json()
    # the formula guard is undone on the way back: the same two members, nothing changed
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_terms_and_registrations_exports_carry_ids_and_state(client, admin, freeze):
    freeze("2026-06-01T09:00:00+09:00")
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    f.term(client, admin, m["id"], "2027-04-01", "2028-03-31")
    reg = f.registration(client, admin, m["id"], "a.example.jp", "2026-04-01")
    f.deregister(client, admin, m["id"], reg["id"], "2026-05-31")
    f.registration(client, admin, m["id"], "b.example.jp", "2026-04-01")
    terms = rows_of(client.get("/api/v1/exports/terms.csv", headers=admin))
    assert [(t["member"], t["state"], t["period_end"]) for t in terms] == [
        (f"#{m['id']}", "running", "2027-03-31"),
        (f"#{m['id']}", "upcoming", "2028-03-31"),
    ]
    regs = rows_of(client.get("/api/v1/exports/registrations.csv", headers=admin))
    assert [(r["domain"], r["state"], r["deregistered_on"]) for r in regs] == [
        ("a.example.jp", "ended", "2026-05-31"),
        ("b.example.jp", "active", ""),
    ]
    # an export reads back as an import that changes nothing
    back = client.post(
        "/api/v1/imports/terms",
        data=client.get("/api/v1/exports/terms.csv", headers=admin).get_data(),
        headers={**admin, **CSV},
    )
    assert (back.status_code, back.get_json()["unchanged"]) == (200, 2)


@pytest.mark.parametrize("kind", ["notices", "incidents"])
def test_notices_and_incidents_exports(client, admin, kind):
    r = client.get(f"/api/v1/exports/{kind}.csv", headers=admin)
    assert r.status_code == 200
    assert rows_of(r) == []
    assert r.get_data().startswith(BOM + b"id,")


def test_exports_stream_more_rows_than_one_chunk(client, admin):
    m = f.member(client, admin, vendor_account_id="acct-a")
    body = "member,domain,name,registered_on\r\n" + "".join(
        f"acct-a,s{i}.example.jp,S{i},2026-04-01\r\n" for i in range(4500)
    )
    assert (
        client.post(
            "/api/v1/imports/suppliers", data=body.encode(), headers={**admin, **CSV}
        ).status_code
        == 200
    )
    r = client.get("/api/v1/exports/registrations.csv", headers=admin)
    assert r.is_streamed
    rows = rows_of(r)
    assert len(rows) == 4500
    assert {row["member_id"] for row in rows} == {str(m["id"])}


@pytest.mark.parametrize(
    ("year", "month", "first", "last", "starts_utc"),
    [
        (2028, 2, date(2028, 2, 1), date(2028, 2, 29), "2028-01-31T15:00:00+00:00"),  # leap
        (2026, 12, date(2026, 12, 1), date(2026, 12, 31), "2026-11-30T15:00:00+00:00"),
    ],
)
def test_month_boundaries_are_in_the_program_zone(year, month, first, last, starts_utc):
    m = Month.of(year, month, "Asia/Tokyo")
    assert (m.first, m.last, m.starts_at.isoformat()) == (first, last, starts_utc)
    assert m.ends_at > m.starts_at


def _incident(client, admin, member_id, occurred_on="2026-05-10"):
    r = client.post(
        "/api/v1/incidents",
        json={
            "member_id": member_id,
            "occurred_on": occurred_on,
            "discovered_on": occurred_on,
            "place": "Tokyo",
            "circumstances": "phishing",
            "cause": "leak",
            "victims": [],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_bordereau(client, admin, app, freeze):
    freeze("2026-05-20T10:00:00+09:00")
    a = f.insured_member(
        client, admin, "2026-04-01", "2027-03-31", corporate_number="8700110005901"
    )
    b = f.insured_member(client, admin, "2025-06-01", "2026-05-31")  # ends on the last day
    c = f.insured_member(client, admin, "2026-06-01", "2027-05-31")  # starts after the month
    d = f.insured_member(client, admin, "2025-05-01", "2026-04-30")  # ended before it
    f.registration(client, admin, a["id"], "s1.example.jp", "2026-04-01")
    gone = f.registration(client, admin, a["id"], "s2.example.jp", "2026-04-01")
    f.deregister(client, admin, a["id"], gone["id"], "2026-05-30")  # gone by the 31st
    f.registration(client, admin, a["id"], "s3.example.jp", "2026-06-01")  # not yet
    f.registration(client, admin, b["id"], "s1.example.jp", "2026-05-31")
    incident = _incident(client, admin, a["id"])
    cost = client.post(
        f"/api/v1/incidents/{incident['id']}/costs",
        json={
            "category": "data_recovery",
            "amount_yen": 500_000,
            "incurred_on": "2026-05-11",
            "description": "restore",
        },
        headers=admin,
    )
    assert cost.status_code == 201, cost.get_json()
    late = _incident(client, admin, b["id"])  # reported 1 June 08:00 JST = 31 May in UTC
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(Incident)
            .where(Incident.id == late["id"])
            .values(created_at=Month.of(2026, 6, "Asia/Tokyo").starts_at.replace(hour=23))
        )
    r = client.get("/api/v1/reports/bordereau?month=2026-05", headers=admin)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["month"] == "2026-05"
    rows = {row["member_id"]: row for row in body["rows"]}
    assert set(rows) == {a["id"], b["id"]}
    assert rows[a["id"]] == {
        "member_id": a["id"],
        "member_name": a["name"],
        "corporate_number": "8700110005901",
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "suppliers_insured": 1,
        "incidents_reported": 1,
        "claimed_yen": 500_000,
        "paid_in_month": 0,
        "aggregate_paid": 0,
        "outstanding_yen": 0,  # claimed, not yet accepted: nothing is owed
    }
    assert (rows[b["id"]]["suppliers_insured"], rows[b["id"]]["incidents_reported"]) == (1, 0)
    assert body["totals"]["members"] == 2
    assert body["totals"]["claimed_yen"] == 500_000
    assert body["totals"]["suppliers_insured"] == 2
    june = client.get("/api/v1/reports/bordereau?month=2026-06", headers=admin).get_json()
    june_rows = {row["member_id"]: row for row in june["rows"]}
    assert set(june_rows) == {a["id"], c["id"]}
    assert june_rows[a["id"]]["suppliers_insured"] == 2  # s1 and s3
    assert d["id"] not in june_rows


def _post(client, admin, path, body, status):
    r = client.post(path, json=body, headers=admin)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def test_bordereau_owes_approved_less_deductions_and_counts_reversals(client, admin, freeze):
    freeze("2026-05-20T10:00:00+09:00")
    a = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    incident = _incident(client, admin, a["id"])
    base = f"/api/v1/incidents/{incident['id']}"
    cost = {"category": "data_recovery", "incurred_on": "2026-05-11", "description": "restore"}
    _post(client, admin, f"{base}/costs", {**cost, "amount_yen": 500_000}, 201)
    freeze("2026-06-15T10:00:00+09:00")
    _post(client, admin, f"{base}/decision", {"decision": "accepted"}, 200)
    deduction = {"amount_yen": 50_000, "duty": "3", "reason": "loss not limited"}
    _post(client, admin, f"{base}/deductions", deduction, 201)
    payment = _post(
        client, admin, f"{base}/payments", {"amount_yen": 100_000, "paid_on": "2026-06-10"}, 201
    )

    def row(month):
        r = client.get(f"/api/v1/reports/bordereau?month={month}", headers=admin).get_json()
        return {x["member_id"]: x for x in r["rows"]}[a["id"]]

    june = row("2026-06")
    assert (june["paid_in_month"], june["aggregate_paid"], june["outstanding_yen"]) == (
        100_000,
        100_000,
        350_000,  # 500,000 approved − 50,000 deducted − 100,000 paid
    )
    assert row("2026-05")["outstanding_yen"] == 0  # decided in June
    _post(client, admin, f"{base}/payments/{payment['id']}/reverse", {"reason": "twice"}, 200)
    june = row("2026-06")  # paid and reversed in June: nets to nothing
    assert (june["paid_in_month"], june["aggregate_paid"], june["outstanding_yen"]) == (
        0,
        0,
        450_000,
    )


def test_bordereau_as_csv(client, admin):
    f.insured_member(client, admin, "2026-04-01", "2027-03-31", name="株式会社 報告")
    r = client.get(
        "/api/v1/reports/bordereau?month=2026-05", headers={**admin, "Accept": "text/csv"}
    )
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    rows = rows_of(r)
    assert [row["member_name"] for row in rows] == ["株式会社 報告"]
    assert list(rows[0])[:3] == ["member_id", "member_name", "corporate_number"]


@pytest.mark.parametrize("month", ["2026-13", "2026-5", "May", "0000-01", ""])
def test_bordereau_month_must_be_yyyy_mm(client, admin, month):
    r = client.get(f"/api/v1/reports/bordereau?month={month}", headers=admin)
    assert r.status_code == 400
    assert r.get_json()["field"] == "month"


def test_renewals_to_chase(client, admin, freeze):
    freeze("2026-03-01T00:30:00+09:00")  # still 28 Feb in UTC: today is the program's
    soon = f.insured_member(client, admin, "2025-04-01", "2026-03-31")
    edge = f.insured_member(client, admin, "2025-05-01", "2026-04-30")  # day 60 exactly
    later = f.insured_member(client, admin, "2025-05-02", "2026-05-01")  # day 61
    renewed = f.insured_member(client, admin, "2025-04-01", "2026-03-31")
    f.term(client, admin, renewed["id"], "2026-04-01", "2027-03-31")
    cancelled = f.insured_member(client, admin, "2025-04-01", "2026-03-31")
    client.post(
        f"/api/v1/members/{cancelled['id']}/terms/{cancelled['term']['id']}/cancel",
        json={"last_day": "2026-03-15"},
        headers=admin,
    )
    today = f.insured_member(client, admin, "2025-03-02", "2026-03-01")  # ends today
    r = client.get("/api/v1/terms/expiring", headers=admin)
    assert r.status_code == 200
    got = [(t["member_id"], t["days_left"]) for t in r.get_json()]
    assert got == [(today["id"], 0), (soon["id"], 30), (edge["id"], 60)]
    assert later["id"] not in [t["member_id"] for t in r.get_json()]
    wider = client.get("/api/v1/terms/expiring?within=61&page_size=2", headers=admin)
    assert len(wider.get_json()) == 2
    assert '"total": 4' in wider.headers["X-Pagination"]
    assert client.get("/api/v1/terms/expiring?within=-1", headers=admin).status_code == 400
