"""The console in a real browser: the people's paths through it, end to end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from groupcover import clock, db
from groupcover.incidents.models import Incident
from groupcover.members.models import Member
from groupcover.notices.models import Notice
from tests import factories as f
from tests.browser.conftest import link, user
from tests.browser.pages import (
    ClaimPage,
    CoveragePage,
    CoverageTermsPage,
    ImportPage,
    IncidentReportPage,
    MemberPage,
    NoticePage,
    Page,
    SignInPage,
)

SHARED = "shared-logistics.example.jp"


def _count(app, model) -> int:
    with app.app_context(), db.transaction() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _sign_in(app, browser, live, email, role="admin", member_id=None) -> Page:
    user(app, email, role, member_id)
    browser.get(link(app, live, email))
    return Page(browser, live)


def test_signing_in_by_link_and_refused_links(app, live, browser, freeze):
    page = Page(browser, live).open("/")
    assert page.path == "/sign-in"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    user(app, "boss@example.jp")
    SignInPage(browser, live).ask_for_link("boss@example.jp")
    assert "サインイン用リンクをお送りしました" in page.flash()

    url = link(app, live, "boss@example.jp")
    browser.get(url)
    assert page.path == "/console" and page.heading.startswith("ダッシュボード")

    browser.delete_all_cookies()
    browser.get(url)  # used once already
    assert "このサインイン用リンクは使用できません" in page.heading
    assert page.path.startswith("/sign-in/")

    stale = link(app, live, "boss@example.jp")
    freeze((clock.now() + timedelta(minutes=16)).isoformat())
    browser.get(stale)
    assert "このサインイン用リンクは使用できません" in page.heading
    browser.get(live + "/console")
    assert page.path == "/sign-in"


def test_enrolling_a_member_with_a_term_and_a_supplier(app, live, browser):
    page = _sign_in(app, browser, live, "admin@example.jp")
    page.open("/console/members/new")
    page.fill("name", "青葉物流株式会社")
    page.fill("contact_email", "risk@aoba.example.jp")
    page.fill("corporate_number", "1234567890123")
    page.press("submit")
    assert "法人番号は、正しいチェックデジット" in " ".join(page.errors())  # next to the field
    page.fill("corporate_number", "")
    page.press("submit")
    assert page.heading == "青葉物流株式会社"

    member = MemberPage(browser, live)
    member.add_term("2026-04-01", "2027-03-31")
    assert "利用期間を追加しました。" in member.flash()
    member.add_term("2027-03-01", "2028-02-29")  # overlaps: refused, said next to the field
    assert "この利用期間は、同じ加入企業の別の利用期間と重なっています。" in member.errors()
    member.register_supplier("Aoba-Parts.example.jp", "青葉部品", "2026-04-01")
    assert "登録企業を追加しました。" in member.flash()
    assert any("aoba-parts.example.jp" in row for row in member.supplier_rows())
    assert len(member.term_rows()) == 1


def test_a_coverage_lookup(app, client, admin, live, browser):
    for name in ("Alpha K.K.", "Beta K.K."):
        m = f.insured_member(client, admin, "2026-04-01", "2027-03-31", name=name)
        f.registration(client, admin, m["id"], SHARED, "2026-04-01")
    page = _sign_in(app, browser, live, "admin@example.jp")
    rows = CoveragePage(browser, live).look_up(SHARED, "2026-06-01")
    assert [r.split("\n")[0].split(" ")[0] for r in rows] == ["Alpha", "Beta"]
    assert "2社の加入企業のもとで補償" in page.text
    assert CoveragePage(browser, live).look_up(SHARED, "2027-04-01") == []
    assert "補償対象外" in page.text


def test_publishing_a_change_through_its_preview(app, client, admin, live, browser):
    today = clock.today("Asia/Tokyo")
    m = f.insured_member(
        client, admin, today.isoformat(), (today + timedelta(days=700)).isoformat()
    )
    page = _sign_in(app, browser, live, "admin@example.jp")
    terms = CoverageTermsPage(browser, live)
    soon = (today + timedelta(days=20)).isoformat()
    terms.preview(soon, 2_000_000, 8_000_000)
    assert "最も早い適用開始日は" in " ".join(terms.errors())  # N1 refused, next to the date
    assert _count(app, Notice) == 0

    terms.preview(soon, 2_000_000, 8_000_000, reason="料率改定のため")
    assert page.driver.find_element(By.ID, "members-affected").text == "1"
    assert "期限超過" in page.text  # late: the letters will apologise
    assert m["name"] in page.text and "お詫び申し上げます" in page.text
    assert _count(app, Notice) == 0  # a preview writes nothing
    terms.publish()
    assert "公表しました。1件の通知を送付します。" in page.flash()
    assert _count(app, Notice) == 1


def test_a_member_acknowledges_its_letter(app, client, admin, live, browser):
    m = f.insured_member(client, admin, "2026-04-01", "2099-03-31")
    r = client.post(
        "/api/v1/coverage-terms",
        json={
            "effective_date": (date.today() + timedelta(days=90)).isoformat(),
            "per_incident_limit": 2_000_000,
            "aggregate_limit": 8_000_000,
            "summary_ja": "変更",
            "summary_en": "change",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.get_json()
    notice_id = client.get("/api/v1/notices", headers=admin).get_json()[0]["id"]
    page = _sign_in(app, browser, live, "risk@member.example.jp", "member", m["id"])
    notice = NoticePage(browser, live)
    notice.open(f"/console/notices/{notice_id}")
    assert f"{live}/console/notices/{notice_id}" in page.text  # the letter links here
    assert notice.acknowledged_at == "未"
    notice.acknowledge()
    assert "受領確認を記録しました" in page.flash()
    assert notice.acknowledged_at != "未"
    assert browser.find_elements(By.NAME, "acknowledge") == []
    detail = client.get(f"/api/v1/notices/{notice_id}", headers=admin).get_json()
    assert detail["acknowledged_at"] is not None


def test_a_member_reports_an_incident(app, client, admin, live, browser):
    m = f.insured_member(client, admin, "2026-04-01", "2099-03-31")
    page = _sign_in(app, browser, live, "risk@member.example.jp", "member", m["id"])
    report = IncidentReportPage(browser, live)
    yesterday = (clock.today("Asia/Tokyo") - timedelta(days=1)).isoformat()
    report.report(
        yesterday, yesterday, "東京本社", "顧客情報の漏えいのおそれ", "山田 太郎, 東京都港区"
    )
    assert "事故を報告しました。" in page.flash()
    assert "山田 太郎 — 東京都港区" in page.text
    assert page.heading.startswith("事故 #")
    with app.app_context(), db.transaction() as session:
        incident = session.execute(select(Incident)).scalar_one()
        assert incident.member_id == m["id"] and "山田" not in incident.victims_encrypted


def test_an_administrator_accepts_a_claim_and_pays_it(app, client, admin, live, browser):
    today = clock.today("Asia/Tokyo")
    m = f.insured_member(
        client,
        admin,
        (today - timedelta(days=30)).isoformat(),
        (today + timedelta(days=700)).isoformat(),
    )
    yesterday = (today - timedelta(days=1)).isoformat()
    incident = client.post(
        "/api/v1/incidents",
        json={
            "member_id": m["id"],
            "occurred_on": yesterday,
            "discovered_on": yesterday,
            "place": "東京本社",
            "circumstances": "顧客情報の漏えい",
            "cause": "leak",
            "victims": [],
        },
        headers=admin,
    ).get_json()
    base = f"/api/v1/incidents/{incident['id']}"
    r = client.post(
        base + "/costs",
        json={
            "category": "incident_response",
            "item": "サ",
            "amount_yen": 1_200_000,
            "incurred_on": yesterday,
            "description": "コールセンターの設置",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.get_json()
    page = _sign_in(app, browser, live, "admin@example.jp")
    claim = ClaimPage(browser, live)
    claim.open(f"/console/incidents/{incident['id']}")
    assert claim.summary("decision") == "未"

    claim.decide("支払対象とする")
    assert "決定を記録しました。" in page.flash()
    assert claim.summary("approved") == "1,200,000円"
    assert claim.summary("claim-status") == "支払対象"

    claim.pay(1_300_000, today.isoformat())  # more than approved: refused at the field
    assert any("認定額から差引額を除いた額を超えます" in e for e in claim.errors())
    assert claim.payment_rows() == []
    claim.pay(1_200_000, today.isoformat())
    assert "支払を記録しました。" in page.flash()
    assert claim.summary("paid") == "1,200,000円"
    assert claim.summary("claim-status") == "支払済"
    assert claim.summary("per-incident-remaining").startswith("1,800,000円")
    assert len(claim.payment_rows()) == 1
    assert client.get(base, headers=admin).get_json()["paid_yen"] == 1_200_000


def test_a_member_cannot_see_another_members_pages(app, client, admin, live, browser):
    mine = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    theirs = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    f.registration(client, admin, theirs["id"], SHARED, "2026-04-01")
    page = _sign_in(app, browser, live, "risk@member.example.jp", "member", mine["id"])
    assert page.path == f"/console/members/{mine['id']}"
    page.open(f"/console/members/{theirs['id']}")
    assert page.heading == "見つかりません" and theirs["name"] not in page.text
    page.open("/console/members")
    assert page.heading == "権限がありません"
    assert CoveragePage(browser, live).look_up(SHARED, "2026-06-01") == []  # only its own


def test_a_form_posted_without_its_csrf_token_is_refused(app, live, browser):
    page = _sign_in(app, browser, live, "admin@example.jp")
    page.open("/console/members/new")
    status = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch('/console/members/new', {method: 'POST', body: new URLSearchParams(
            {name: 'Forged K.K.', contact_email: 'f@forged.jp'})}).then(r => done(r.status));"""
    )
    assert status == 400
    browser.execute_script(
        "document.querySelectorAll('main input[name=csrf_token]').forEach(e => e.remove())"
    )
    page.fill("name", "Forged K.K.")
    page.fill("contact_email", "f@forged.jp")
    page.press("submit")
    assert page.heading == "フォームの有効期限が切れています"
    assert _count(app, Member) == 0


def test_importing_an_excel_csv_through_its_preview(app, live, browser):
    data = Path(__file__).parent.parent / "data"
    page = _sign_in(app, browser, live, "admin@example.jp")
    imports = ImportPage(browser, live)
    imports.check_file("加入企業", str(data / "members_bad_rows.csv"))
    assert "エラー：何も取り込まれていません" in page.text and imports.error_rows()
    assert browser.find_elements(By.NAME, "confirm") == []

    imports.check_file("加入企業", str(data / "members_cp932_crlf.csv"))
    assert page.heading == "CSV取込" and "確認：まだ取り込まれていません" in page.text
    assert (imports.count("rows-read"), imports.count("would-create")) == ("3", "3")
    assert _count(app, Member) == 0  # the preview wrote nothing
    imports.confirm()
    assert "3 件を作成" in page.flash()
    assert _count(app, Member) == 3
    assert "㈱さくら物流" in [m["name"] for m in _members(app)]


def _members(app) -> list[dict]:
    with app.app_context(), db.transaction() as session:
        return [{"name": m.name} for m in session.execute(select(Member)).scalars()]
