"""Every console page renders for the people allowed on it, and only for them."""

from __future__ import annotations

import pytest

from groupcover.config import update_settings
from tests import factories as f
from tests.console.conftest import csrf_token

SHARED = "shared-logistics.example.jp"
ADMIN_PAGES = [
    "/console",
    "/console/members",
    "/console/members?q=member&page=2",
    "/console/members/new",
    "/console/coverage-terms",
    "/console/sync-runs",
    "/console/audit",
    "/console/audit?entity=member",
    "/console/users",
]


@pytest.fixture
def world(client, admin):
    mine = f.insured_member(client, admin, "2026-04-01", "2099-03-31")
    theirs = f.insured_member(client, admin, "2026-04-01", "2099-03-31")
    for m in (mine, theirs):
        f.registration(client, admin, m["id"], SHARED, "2026-04-01")
    incident = client.post(
        "/api/v1/incidents",
        json={
            "member_id": theirs["id"],
            "occurred_on": "2026-05-01",
            "discovered_on": "2026-05-02",
            "place": "Osaka",
            "circumstances": "leak",
            "cause": "leak",
            "victims": [{"name": "Taro", "address": "Osaka"}],
        },
        headers=admin,
    ).get_json()
    return mine, theirs, incident


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render_for_admins_and_refuse_members(sign_in, world, path):
    mine, _theirs, _incident = world
    assert sign_in("boss@example.jp").get(path).status_code == 200
    member = sign_in("risk@example.jp", "member", mine["id"])
    assert member.get(path).status_code == 403


def test_member_pages_show_its_own_and_hide_anothers(sign_in, world):
    mine, theirs, incident = world
    member = sign_in("risk@example.jp", "member", mine["id"])
    for path in (
        f"/console/members/{mine['id']}",
        "/console/notices",
        "/console/incidents",
        "/console/incidents/new",
        f"/console/coverage?domain={SHARED}&on=2026-06-01",
    ):
        r = member.get(path)
        assert r.status_code == 200, path
        assert theirs["name"] not in r.get_data(as_text=True), path
    for path in (f"/console/members/{theirs['id']}", f"/console/incidents/{incident['id']}"):
        assert member.get(path).status_code == 404, path
    admin = sign_in("boss@example.jp")
    page = admin.get(f"/console/coverage?domain={SHARED}&on=2026-06-01").get_data(as_text=True)
    assert mine["name"] in page and theirs["name"] in page
    assert admin.get(f"/console/incidents/{incident['id']}").status_code == 200


def test_showing_victims_on_the_incident_page_is_audited_like_the_api(
    sign_in, world, client, admin
):
    _mine, _theirs, incident = world

    def reads() -> list[dict]:
        trail = client.get("/api/v1/audit?page_size=500", headers=admin).get_json()
        return [e for e in trail if e["action"] == "incident.victims.read"]

    before = len(reads())
    page = sign_in("boss@example.jp").get(f"/console/incidents/{incident['id']}")
    assert page.status_code == 200 and "Taro" in page.get_data(as_text=True)
    after = reads()
    assert len(after) == before + 1
    assert after[-1]["entity_id"] == incident["id"] and "Taro" not in str(after[-1])


def test_a_member_cannot_post_admin_forms(app, sign_in, world, client, admin):
    mine, _theirs, _incident = world
    member = sign_in("risk@example.jp", "member", mine["id"])
    token = csrf_token(member, f"/console/members/{mine['id']}")
    r = member.post(
        f"/console/members/{mine['id']}/suppliers",
        data={
            "domain": "x.example.jp",
            "name": "X",
            "registered_on": "2026-06-01",
            "csrf_token": token,
        },
    )
    assert r.status_code == 403
    suppliers = client.get(f"/api/v1/members/{mine['id']}/suppliers", headers=admin).get_json()
    assert [s["domain"] for s in suppliers] == [SHARED]


def test_an_invitation_creates_the_user_and_mails_a_link(app, sign_in, smtp_server, world):
    mine, _theirs, _incident = world
    update_settings(app, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    boss = sign_in("boss@example.jp")
    token = csrf_token(boss, "/console/users")
    r = boss.post(
        "/console/users",
        data={
            "name": "New Risk",
            "email": "new@example.jp",
            "role": "member",
            "member_id": str(mine["id"]),
            "csrf_token": token,
        },
    )
    assert r.status_code == 303
    [message] = smtp_server.handler.messages
    assert message["To"] == "new@example.jp" and "/sign-in/sl_" in message.get_content()
    r = boss.post(
        "/console/users",
        data={
            "name": "Dup",
            "email": "NEW@example.jp",
            "role": "admin",
            "member_id": "0",
            "csrf_token": token,
        },
    )
    assert r.status_code == 409
    assert "このメールアドレスの利用者はすでに登録されています。" in r.get_data(as_text=True)


def test_dashboard_lists_the_renewals_to_chase(client, admin, sign_in, freeze):
    freeze("2026-11-25T10:00:00+09:00")
    ending = f.member(client, admin, name="Ending Soon K.K.")
    f.term(client, admin, ending["id"], "2026-01-01", "2026-12-31")  # ends in 36 days
    renewed = f.member(client, admin, name="Renewed K.K.")
    f.term(client, admin, renewed["id"], "2026-01-01", "2026-12-31")
    f.term(client, admin, renewed["id"], "2027-01-01", "2027-12-31")
    page = sign_in("chase@admin.example.jp").get("/console")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ending Soon K.K." in html and "Renewed K.K." not in html


@pytest.mark.parametrize("last_day", ["2026-09-30", None])
def test_cancel_a_term_and_deregister_a_supplier_from_the_members_page(
    client, admin, sign_in, freeze, last_day
):
    freeze("2026-05-20T10:00:00+09:00")
    m = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    reg = f.registration(client, admin, m["id"], "ends.example.jp", "2026-04-01")
    boss = sign_in("ender@admin.example.jp")
    page = f"/console/members/{m['id']}"
    form = {"csrf_token": csrf_token(boss, page), "last_day": last_day or ""}
    cancel = boss.post(f"{page}/terms/{m['term']['id']}/cancel", data=form)
    dereg = boss.post(f"{page}/suppliers/{reg['id']}/deregister", data=form)
    assert (cancel.status_code, dereg.status_code) == (303, 303)
    terms = client.get(f"/api/v1/members/{m['id']}/terms", headers=admin).get_json()
    regs = client.get(f"/api/v1/members/{m['id']}/suppliers", headers=admin).get_json()
    assert terms[0]["last_day"] == last_day  # no day given: nothing written
    assert regs[0]["deregistered_on"] == last_day
