"""Take the README's console screenshots: `make screenshots` (needs chromium + chromedriver and
fonts-noto-cjk). A throw-away SQLite database gets the demo program, a published change, and
an incident with payments; the app is served on 127.0.0.1 and headless Chromium photographs
the dashboard and a member's page (1280 px, and the member's page at 390 px)."""

from __future__ import annotations

import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from sqlalchemy import select
from werkzeug.serving import make_server

from groupcover import create_app, db
from groupcover.coverage_terms import flows as publication
from groupcover.coverage_terms import service as versions
from groupcover.demo import seed_demo, seed_demo_users
from groupcover.incidents import service as incidents
from groupcover.members.models import Member
from groupcover.migrate import upgrade
from groupcover.program.service import program_today
from groupcover.rules.notice import earliest_effective_date
from groupcover.users import service as users

OUT = Path(__file__).resolve().parent


def _demo_data(app) -> None:
    with app.app_context(), db.transaction() as s:
        seed_demo(s)
        seed_demo_users(s)
        today = program_today(s)
        publication.publish(
            s,
            versions.Change(
                earliest_effective_date(today),
                3_000_000,
                12_000_000,
                "累計限度額を1,000万円から1,200万円に引き上げます。",
                "The aggregate limit rises from ¥10,000,000 to ¥12,000,000.",
            ),
            today,
        )
        sakura = s.execute(select(Member).order_by(Member.id)).scalars().first()
        occurred = today - timedelta(days=40)
        incident = incidents.report_incident(
            s,
            {
                "member_id": sakura.id,
                "occurred_on": occurred,
                "discovered_on": occurred + timedelta(days=1),
                "place": "東京都港区 本社",
                "circumstances": "取引先から預かった顧客情報が外部に送信されたおそれ",
                "cause": "leak",
                "victims": [{"name": "山田 太郎", "address": "東京都港区"}],
            },
            today,
        )
        incidents.add_cost(
            s,
            incident,
            {
                "category": "incident_response",
                "amount_yen": 2_400_000,
                "incurred_on": occurred + timedelta(days=5),
                "description": "フォレンジック調査",
            },
            today,
        )
        incidents.complete_claim(s, incident, occurred + timedelta(days=10), today)
        incidents.decide(s, incident, "accepted", None, None, today)  # paid only once accepted
        incidents.record_payment(s, incident.id, 1_500_000, occurred + timedelta(days=20), today)
        incidents.record_payment(s, incident.id, 900_000, occurred + timedelta(days=35), today)
        incidents.report_incident(
            s,
            {
                "member_id": sakura.id,
                "occurred_on": today - timedelta(days=3),
                "discovered_on": today - timedelta(days=2),
                "place": "大阪支店",
                "circumstances": "不審な通信を検知",
                "cause": "suspected_attack",
                "victims": [],
            },
            today,
        )


def _link(app, email: str) -> str:
    with app.app_context(), db.transaction() as s:
        return "/sign-in/" + users.issue_link(s, users.find_by_email(s, email), 15)


def _shoot(driver, url: str, path: Path, width: int) -> None:
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get(url)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics["height"] = min(height, 5000)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.save_screenshot(str(path))
    print("wrote", path)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="gc-shots-"))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SECRET_KEY": "screenshots-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
        }
    )
    upgrade(app.extensions["groupcover.engine"])
    _demo_data(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        driver.get(base + _link(app, "admin@demo.example.jp"))
        _shoot(driver, base + "/console", OUT / "console-dashboard.png", 1280)
        _shoot(driver, base + "/console/incidents/1", OUT / "console-claim.png", 1280)
        driver.delete_all_cookies()
        driver.get(base + _link(app, "risk@sakura.example.jp"))
        member_url = driver.current_url
        _shoot(driver, member_url, OUT / "console-member.png", 1280)
        _shoot(driver, member_url, OUT / "console-member-390.png", 390)
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main()
