"""The claim on the incident page: an administrator runs it end to end through the forms
(each POST answers 303 and the API then shows the change), a refused change answers 409/422
with the reason on the page and writes nothing, and a member user only reads its own."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories as f
from tests.console.conftest import csrf_token

TODAY = "2026-06-10T10:00:00+09:00"


@pytest.fixture
def claim(client, admin, freeze) -> dict[str, Any]:
    """A leak at a member with a term, reported on 1 May 2026; today is 10 June 2026."""
    freeze(TODAY)
    member = f.insured_member(client, admin, "2026-04-01", "2027-03-31", name="桜製作所")
    incident = client.post(
        "/api/v1/incidents",
        json={
            "member_id": member["id"],
            "occurred_on": "2026-05-01",
            "discovered_on": "2026-05-02",
            "place": "東京本社",
            "circumstances": "顧客情報の漏えい",
            "cause": "leak",
            "victims": [],
        },
        headers=admin,
    ).get_json()
    return {"member": member, "incident": incident, "page": f"/console/incidents/{incident['id']}"}


def submit(browser, claim, action: str, prefix: str, **fields: Any):
    """POST one of the page's forms: field names carry the form's prefix, and so does its
    CSRF token."""
    data = {f"{prefix}{name}": value for name, value in fields.items()}
    data[f"{prefix}csrf_token"] = csrf_token(browser, claim["page"])
    return browser.post(claim["page"] + action, data=data)


def api(client, admin, claim, tail: str = "") -> Any:
    r = client.get(f"/api/v1/incidents/{claim['incident']['id']}{tail}", headers=admin)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def add_cost(boss, claim, category="leak/incident_response", item="サ", amount=1_200_000):
    return submit(
        boss,
        claim,
        "/costs",
        "cost-",
        category=category,
        item=item,
        amount_yen=str(amount),
        incurred_on="2026-05-10",
        description="コールセンターの設置",
    )


def accept(boss, claim):
    return submit(boss, claim, "/decision", "decision-", decision="accepted", exclusion="")


def test_an_administrator_runs_a_claim_end_to_end(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    r = add_cost(boss, claim)
    assert (r.status_code, r.headers["Location"]) == (303, claim["page"])
    add_cost(boss, claim, "regulatory/investigation_reporting", "イ", 300_000)
    lines = api(client, admin, claim, "/costs")
    assert [(c["group"], c["category"], c["item"], c["amount_yen"]) for c in lines] == [
        ("leak", "incident_response", "サ", 1_200_000),
        ("regulatory", "investigation_reporting", "イ", 300_000),
    ]
    assert api(client, admin, claim)["claimed_yen"] == 1_500_000
    page = boss.get(claim["page"]).get_data(as_text=True)
    assert "費用を追加しました。" in page and "事由①に係る対応に必要な費用" in page

    first = lines[0]["id"]
    r = submit(boss, claim, f"/costs/{first}/approve", f"line{first}-", approved_yen="1000000")
    assert r.status_code == 303
    assert api(client, admin, claim, "/costs")[0]["approved_yen"] == 1_000_000

    assert accept(boss, claim).status_code == 303
    incident = api(client, admin, claim)
    assert (incident["decision"], incident["status"]) == ("accepted", "accepted")
    assert incident["approved_yen"] == 1_300_000  # the second line at its claimed amount

    r = submit(
        boss,
        claim,
        "/documents",
        "documents-",
        doc1_requested="y",
        doc1_received_on="2026-06-01",
        doc2_received_on="",
    )
    assert r.status_code == 303
    docs = {d["code"]: d for d in api(client, admin, claim)["documents"]}
    assert docs["ア"]["requested"] and docs["ア"]["received_on"] == "2026-06-01"
    assert not docs["イ"]["requested"]

    r = submit(boss, claim, "/claim-complete", "complete-", completed_on="2026-06-05")
    assert r.status_code == 303
    incident = api(client, admin, claim)
    assert (incident["completed_on"], incident["pay_by"]) == ("2026-06-05", "2026-07-04")

    r = submit(boss, claim, "/payments", "payment-", amount_yen="800000", paid_on="2026-06-10")
    assert r.status_code == 303
    [payment] = api(client, admin, claim, "/payments")
    assert (payment["amount_yen"], payment["paid_on"]) == (800_000, "2026-06-10")
    assert api(client, admin, claim)["paid_yen"] == 800_000
    page = boss.get(claim["page"]).get_data(as_text=True)
    assert "支払を記録しました。" in page
    assert "2,200,000円" in page  # left on the per-incident limit
    assert "9,200,000円" in page  # left on the member's aggregate limit
    assert "2026年7月4日" in page  # pay by

    r = submit(
        boss,
        claim,
        f"/payments/{payment['id']}/reverse",
        f"reverse{payment['id']}-",
        reason="二重計上",
    )
    assert r.status_code == 303
    [payment] = api(client, admin, claim, "/payments")
    assert payment["reversed_on"] == "2026-06-10" and payment["reversal_reason"] == "二重計上"
    assert api(client, admin, claim)["paid_yen"] == 0
    kinds = [e["kind"] for e in api(client, admin, claim, "/timeline")]
    assert kinds == [
        "reported",
        "cost",
        "cost",
        "approval",
        "decision",
        "documents",
        "claim_complete",
        "payment",
        "payment_reversed",
    ]
    actors = {e["actor"] for e in api(client, admin, claim, "/timeline")[1:]}
    assert len(actors) == 1 and actors.pop().startswith("user:boss#")  # who did it
    page = boss.get(claim["page"]).get_data(as_text=True)
    assert "支払の取消" in page and "二重計上" in page
    english = boss.get(claim["page"] + "?lang=en").get_data(as_text=True)
    assert "Payment reversed" in english and "Left on the per-incident limit" in english


def test_a_payment_over_what_remains_is_refused_and_nothing_is_written(
    client, admin, sign_in, claim
):
    boss = sign_in("boss@example.jp")
    add_cost(boss, claim)
    accept(boss, claim)
    before = len(api(client, admin, claim, "/timeline"))
    r = submit(boss, claim, "/payments", "payment-", amount_yen="1200001", paid_on="2026-06-10")
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "この支払額は、認定額から差引額を除いた額を超えます。" in page
    assert "認定済みで未払の額は1,200,000円" in page
    assert 'id="payment-amount_yen-error"' in page  # next to the field
    assert api(client, admin, claim)["paid_yen"] == 0
    assert api(client, admin, claim, "/payments") == []
    assert len(api(client, admin, claim, "/timeline")) == before
    coverage = client.get(
        f"/api/v1/members/{claim['member']['id']}/coverage?on=2026-06-10", headers=admin
    ).get_json()
    assert coverage["aggregate_paid"] == 0


def test_a_payment_before_the_decision_is_refused(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    add_cost(boss, claim)
    r = submit(boss, claim, "/payments", "payment-", amount_yen="1000", paid_on="2026-06-10")
    assert r.status_code == 422
    assert "支払対象とする決定の後でなければ" in r.get_data(as_text=True)
    assert api(client, admin, claim, "/payments") == []


def test_declining_needs_the_exclusion(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    r = submit(boss, claim, "/decision", "decision-", decision="declined", exclusion="")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "補償対象外となる事由（①～⑲）を選んでください。" in page
    assert 'id="decision-exclusion-error"' in page
    assert api(client, admin, claim)["decision"] is None

    r = submit(
        boss,
        claim,
        "/decision",
        "decision-",
        decision="declined",
        exclusion="13",
        note="地震による停電",
    )
    assert r.status_code == 303
    incident = api(client, admin, claim)
    assert (incident["status"], incident["exclusion"]) == ("declined", "13")
    page = boss.get(claim["page"]).get_data(as_text=True)
    assert "⑬ 地震、噴火、洪水、高潮または津波" in page and "地震による停電" in page


@pytest.mark.parametrize(
    ("category", "item", "amount", "message"),
    [
        ("leak/certification", "ア", "1000", "この項目はこの費用の種類にありません。"),
        ("leak/incident_response", "", "", "金額、または人数と1人あたりの金額を入力"),
    ],
)
def test_a_refused_cost_line_is_said_next_to_its_field(
    client, admin, sign_in, claim, category, item, amount, message
):
    boss = sign_in("boss@example.jp")
    r = add_cost(boss, claim, category, item, amount)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert api(client, admin, claim)["claimed_yen"] == 0
    assert api(client, admin, claim, "/costs") == []


def test_a_cost_group_the_cause_does_not_allow_is_not_offered(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    page = boss.get(claim["page"]).get_data(as_text=True)
    assert 'value="other/corporate_apology"' not in page
    assert add_cost(boss, claim, "other/corporate_apology", "").status_code == 422
    assert api(client, admin, claim, "/costs") == []


def test_an_approval_above_the_claim_is_refused(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    add_cost(boss, claim)
    line = api(client, admin, claim, "/costs")[0]["id"]
    r = submit(boss, claim, f"/costs/{line}/approve", f"line{line}-", approved_yen="1200001")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "認定額は0円以上、請求額以下にしてください。" in page
    assert f'id="line{line}-approved_yen-error"' in page
    assert api(client, admin, claim, "/costs")[0]["approved_yen"] is None


def test_deductions_come_after_acceptance_and_within_what_is_unpaid(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    add_cost(boss, claim)

    def deduct(amount: str):
        return submit(
            boss,
            claim,
            "/deductions",
            "deduction-",
            duty="3",
            reason="拡大防止の遅れ",
            amount_yen=amount,
        )

    r = deduct("100000")
    assert r.status_code == 422 and "先に支払対象とする決定を記録" in r.get_data(as_text=True)
    accept(boss, claim)
    r = deduct("1200001")
    assert r.status_code == 409
    assert "認定済みで未払の1,200,000円を超えられません" in r.get_data(as_text=True)
    assert api(client, admin, claim)["deducted_yen"] == 0
    assert deduct("100000").status_code == 303
    [deduction] = api(client, admin, claim, "/deductions")
    assert (deduction["duty"], deduction["amount_yen"]) == ("3", 100_000)
    assert api(client, admin, claim)["deducted_yen"] == 100_000
    assert "③ 損害の発生および拡大の防止" in boss.get(claim["page"]).get_data(as_text=True)


def test_completion_waits_for_requested_documents_and_extensions_need_a_reason(
    client, admin, sign_in, claim, app
):
    boss = sign_in("boss@example.jp")
    submit(boss, claim, "/documents", "documents-", doc2_requested="y")
    r = submit(boss, claim, "/claim-complete", "complete-", completed_on="2026-06-05")
    assert r.status_code == 422
    assert "提出を依頼した書類がまだ届いていません: イ" in r.get_data(as_text=True)
    assert api(client, admin, claim)["completed_on"] is None

    r = submit(
        boss, claim, "/documents", "documents-", doc2_requested="y", doc2_received_on="2026-06-11"
    )
    assert r.status_code == 422  # received tomorrow
    assert "受領日に未来の日付は入力できません。" in r.get_data(as_text=True)

    submit(
        boss, claim, "/documents", "documents-", doc2_requested="y", doc2_received_on="2026-06-04"
    )
    r = submit(
        boss,
        claim,
        "/claim-complete",
        "complete-",
        completed_on="2026-06-05",
        extended_pay_by="2026-09-30",
    )
    assert r.status_code == 422
    assert "30日を超える理由を選んでください。" in r.get_data(as_text=True)
    assert api(client, admin, claim)["completed_on"] is None
    r = submit(
        boss,
        claim,
        "/claim-complete",
        "complete-",
        completed_on="2026-06-05",
        extended_pay_by="2026-09-30",
        extension_reason="public_inquiry",
        extension_detail="警察の捜査結果",
    )
    assert r.status_code == 303
    incident = api(client, admin, claim)
    assert (incident["pay_by"], incident["pay_by_extension_reason"]) == (
        "2026-09-30",
        "public_inquiry",
    )
    notices = client.get("/api/v1/notices?kind=payment_extension", headers=admin).get_json()
    assert [n["member_id"] for n in notices] == [claim["member"]["id"]]


def test_reversing_twice_is_refused(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    add_cost(boss, claim)
    accept(boss, claim)
    submit(boss, claim, "/payments", "payment-", amount_yen="1000", paid_on="2026-06-10")
    [payment] = api(client, admin, claim, "/payments")
    prefix = f"reverse{payment['id']}-"
    action = f"/payments/{payment['id']}/reverse"
    assert submit(boss, claim, action, prefix, reason="誤り").status_code == 303
    r = submit(boss, claim, action, prefix, reason="再度")
    assert r.status_code == 409
    assert api(client, admin, claim, "/payments")[0]["reversal_reason"] == "誤り"
    r = submit(boss, claim, "/payments/999999/reverse", "reverse999999-", reason="x")
    assert r.status_code == 404


def test_a_suspected_attack_is_confirmed_once(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    page = boss.get(claim["page"]).get_data(as_text=True)
    assert "confirm-confirm_attack" not in page  # a leak is no suspected attack
    r = submit(boss, claim, "/confirm-attack", "confirm-", confirm_attack="y")
    assert r.status_code == 422
    assert api(client, admin, claim)["cause"] == "leak"

    suspected = client.post(
        "/api/v1/incidents",
        json={**_report(claim), "cause": "suspected_attack"},
        headers=admin,
    ).get_json()
    other = {**claim, "incident": suspected, "page": f"/console/incidents/{suspected['id']}"}
    assert "confirm-confirm_attack" in boss.get(other["page"]).get_data(as_text=True)
    r = submit(boss, other, "/confirm-attack", "confirm-", confirm_attack="y")
    assert r.status_code == 303
    assert api(client, admin, other)["cause"] == "attack"
    assert 'value="other/corporate_apology"' in boss.get(other["page"]).get_data(as_text=True)


def _report(claim) -> dict[str, Any]:
    return {
        "member_id": claim["member"]["id"],
        "occurred_on": "2026-05-01",
        "discovered_on": "2026-05-02",
        "place": "大阪",
        "circumstances": "不審な通信",
        "victims": [],
    }


def test_a_form_without_its_token_is_refused(client, admin, sign_in, claim):
    boss = sign_in("boss@example.jp")
    r = boss.post(claim["page"] + "/decision", data={"decision-decision": "accepted"})
    assert r.status_code == 400
    assert api(client, admin, claim)["decision"] is None


ADMIN_ACTIONS = [
    ("/costs", "cost-", {"category": "leak/incident_response", "item": "サ"}),
    ("/costs/{line}/approve", "line{line}-", {"approved_yen": "1"}),
    ("/decision", "decision-", {"decision": "accepted"}),
    ("/deductions", "deduction-", {"duty": "1", "reason": "x", "amount_yen": "1"}),
    ("/documents", "documents-", {"doc1_requested": "y"}),
    ("/claim-complete", "complete-", {"completed_on": "2026-06-05"}),
    ("/payments", "payment-", {"amount_yen": "1", "paid_on": "2026-06-10"}),
    ("/payments/{payment}/reverse", "reverse{payment}-", {"reason": "x"}),
    ("/confirm-attack", "confirm-", {"confirm_attack": "y"}),
]


@pytest.fixture
def paid_claim(client, admin, claim) -> dict[str, Any]:
    """The claim with one approved line and one payment, through the API."""
    base = f"/api/v1/incidents/{claim['incident']['id']}"
    line = client.post(
        base + "/costs",
        json={
            "category": "incident_response",
            "item": "サ",
            "amount_yen": 500_000,
            "incurred_on": "2026-05-10",
            "description": "call centre",
        },
        headers=admin,
    ).get_json()
    client.post(
        base + "/decision",
        json={"decision": "accepted", "note": "社内限り：査定メモ"},
        headers=admin,
    )
    payment = client.post(
        base + "/payments", json={"amount_yen": 1000, "paid_on": "2026-06-10"}, headers=admin
    ).get_json()
    return {**claim, "line": line["id"], "payment": payment["id"]}


@pytest.mark.parametrize(("action", "prefix", "fields"), ADMIN_ACTIONS)
def test_member_users_cannot_act_on_a_claim(
    client, admin, sign_in, paid_claim, action, prefix, fields
):
    """403 on its own incident's claim and on another member's (the API's answer too: the
    administrators-only check comes first, so nothing tells whether the incident exists)."""
    claim = paid_claim
    other = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    before = {tail: api(client, admin, claim, tail) for tail in ("", "/costs", "/timeline")}
    ids = {"line": claim["line"], "payment": claim["payment"]}
    action, prefix = action.format(**ids), prefix.format(**ids)
    mine = sign_in("risk@sakura.example.jp", "member", claim["member"]["id"])
    r = submit(mine, claim, action, prefix, **fields)
    assert r.status_code == 403
    theirs = sign_in("risk@other.example.jp", "member", other["id"])
    assert theirs.get(claim["page"]).status_code == 404
    token = csrf_token(theirs, f"/console/members/{other['id']}")
    data = {f"{prefix}{k}": v for k, v in fields.items()} | {f"{prefix}csrf_token": token}
    assert theirs.post(claim["page"] + action, data=data).status_code == 403
    after = {tail: api(client, admin, claim, tail) for tail in ("", "/costs", "/timeline")}
    assert after == before


def test_a_member_reads_its_claim_without_forms_or_internal_notes(
    client, admin, sign_in, paid_claim
):
    claim = paid_claim
    base = f"/api/v1/incidents/{claim['incident']['id']}"
    client.post(
        base + "/documents",
        json={"documents": [{"code": "ア", "requested": True, "received_on": "2026-06-01"}]},
        headers=admin,
    )
    client.post(base + "/claim-complete", json={"completed_on": "2026-06-05"}, headers=admin)
    mine = sign_in("risk@sakura.example.jp", "member", claim["member"]["id"])
    r = mine.get(claim["page"])
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for shown in (
        "500,000円",
        "1,000円",
        "499,000円",
        "2026年7月4日",
        "事故対応関連費用",
        "電子データの漏えいまたはそのおそれ",
    ):
        assert shown in page, shown
    assert "支払" in page and "経過" in page
    assert "社内限り" not in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0]
