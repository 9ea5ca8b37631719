"""Browser tests: Selenium drives Debian's headless Chromium against the app served by a real
server thread (werkzeug) on 127.0.0.1, on SQLite and, when configured, PostgreSQL.

One browser per xdist worker for the whole run (starting Chromium costs about a second);
every test starts signed out with empty tables. Skipped only when chromedriver is absent.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from groupcover import db
from groupcover.users import service as users

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

if not Path(CHROMEDRIVER).exists():
    pytest.skip(
        "chromedriver is not installed (apt install chromium-driver)", allow_module_level=True
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
    "--lang=ja",
)


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="gc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def _server(_shared_app) -> Iterator[str]:
    """The shared app (one per backend) served on a free port by a thread of its own."""
    server = make_server("127.0.0.1", 0, _shared_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield base
    finally:
        server.shutdown()


@pytest.fixture
def live(app, _server, browser):
    """The server's base URL, with tables emptied (``app``) and the browser signed out."""
    app.config["CONSOLE_BASE_URL"] = _server
    browser.get(_server + "/sign-in")
    browser.delete_all_cookies()
    return _server


def user(app, email: str, role: str = "admin", member_id: int | None = None) -> None:
    with app.app_context(), db.transaction() as session:
        users.create_user(
            session, email=email, name=email.split("@")[0], role=role, member_id=member_id
        )


def link(app, base: str, email: str) -> str:
    with app.app_context(), db.transaction() as session:
        found = users.find_by_email(session, email)
        return f"{base}/sign-in/{users.issue_link(session, found, 15)}"
