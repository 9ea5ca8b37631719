"""Page objects: what a person does on each console page, in the page's own words."""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait


class Page:
    def __init__(self, driver: WebDriver, base: str):
        self.driver = driver
        self.base = base

    def open(self, path: str) -> Page:
        self.driver.get(self.base + path)
        return self

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base).split("?")[0]

    @property
    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    @property
    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "main").text

    def fill(self, field_id: str, value: str, scope=None) -> None:
        root = scope or self.driver
        element = root.find_element(By.ID, field_id)
        if element.get_attribute("type") in ("date", "time"):
            # typing into date inputs depends on the locale; set the value as the form would
            self.driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)

    def choose(self, field_id: str, visible_text: str) -> None:
        Select(self.driver.find_element(By.ID, field_id)).select_by_visible_text(visible_text)

    def press(self, name_or_text: str, scope=None) -> None:
        root = scope or self.driver
        buttons = root.find_elements(By.CSS_SELECTOR, f'[name="{name_or_text}"]') or [
            b
            for b in root.find_elements(By.CSS_SELECTOR, "button, input[type=submit]")
            if (b.text or b.get_attribute("value")) == name_or_text
        ]
        self.driver.execute_script("window.__leaving = true")
        buttons[0].click()
        self.wait_for_new_page()

    def wait_for_new_page(self) -> None:
        """Wait until the click has loaded the next document.

        A marker set on the old window is gone once the new document is in. Asking while the
        browser swaps documents may raise (Chrome answers "Node with given id does not belong
        to the document" or a stale reference); those answers only mean "not yet".
        """
        WebDriverWait(self.driver, 10, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script(
                "return window.__leaving === undefined && document.readyState === 'complete'"
            )
        )

    def errors(self) -> list[str]:
        return [
            e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".error, .error-summary")
        ]

    def flash(self) -> str:
        return " ".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".flash"))

    def section(self, heading_id: str):
        return self.driver.find_element(By.CSS_SELECTOR, f'[aria-labelledby="{heading_id}"]')


class SignInPage(Page):
    def ask_for_link(self, email: str) -> None:
        self.open("/sign-in")
        self.fill("email", email)
        self.press("submit")


class MemberPage(Page):
    def add_term(self, start: str, end: str) -> None:
        terms = self.section("terms-h")
        self.fill("start_date", start, terms)
        self.fill("end_date", end, terms)
        self.press("submit", terms)

    def register_supplier(self, domain: str, name: str, registered_on: str) -> None:
        suppliers = self.section("sup-h")
        self.fill("domain", domain, suppliers)
        self.fill("name", name, suppliers)
        self.fill("registered_on", registered_on, suppliers)
        self.press("submit", suppliers)

    def supplier_rows(self) -> list[str]:
        return [r.text for r in self.section("sup-h").find_elements(By.CSS_SELECTOR, "tbody tr")]

    def term_rows(self) -> list[str]:
        return [r.text for r in self.section("terms-h").find_elements(By.CSS_SELECTOR, "tbody tr")]


class CoveragePage(Page):
    def look_up(self, domain: str, on: str) -> list[str]:
        self.open("/console/coverage")
        self.fill("domain", domain)
        self.fill("on", on)
        self.press("照会する")
        return [r.text for r in self.driver.find_elements(By.CSS_SELECTOR, "tr.coverage-row")]


class CoverageTermsPage(Page):
    def preview(self, effective: str, per_incident: int, aggregate: int, reason: str = "") -> None:
        self.open("/console/coverage-terms")
        self.fill("effective_date", effective)
        self.fill("per_incident_limit", str(per_incident))
        self.fill("aggregate_limit", str(aggregate))
        self.fill("summary_ja", "限度額を変更します。")
        self.fill("summary_en", "The limits change.")
        if reason:
            self.fill("override_reason", reason)
        self.press("preview")

    def publish(self) -> None:
        self.press("publish", self.driver.find_element(By.ID, "preview"))


class NoticePage(Page):
    def acknowledge(self) -> None:
        self.press("acknowledge")

    @property
    def acknowledged_at(self) -> str:
        return self.driver.find_element(By.ID, "acknowledged-at").text


class IncidentReportPage(Page):
    def report(self, occurred: str, discovered: str, place: str, what: str, victims: str) -> None:
        self.open("/console/incidents/new")
        self.fill("occurred_on", occurred)
        self.fill("discovered_on", discovered)
        self.fill("place", place)
        self.choose("cause", "電子データの漏えいまたはそのおそれ")
        self.fill("circumstances", what)
        self.fill("victims", victims)
        self.press("submit")


class ImportPage(Page):
    def check_file(self, what: str, path: str) -> None:
        self.open("/console/imports")
        self.choose("kind", what)
        self.driver.find_element(By.ID, "file").send_keys(path)
        self.press("preview")

    def count(self, element_id: str) -> str:
        return self.driver.find_element(By.ID, element_id).text

    def confirm(self) -> None:
        self.press("confirm", self.driver.find_element(By.ID, "preview"))

    def error_rows(self) -> list[str]:
        return [r.text for r in self.driver.find_elements(By.CSS_SELECTOR, "tr.import-error")]


class ClaimPage(Page):
    """The claim on an incident's page, as an administrator works it."""

    def decide(self, decision: str, exclusion: str | None = None) -> None:
        self.choose("decision-decision", decision)
        if exclusion:
            self.choose("decision-exclusion", exclusion)
        self.press("decision-decide", self.section("decision-h"))

    def pay(self, amount: int, paid_on: str) -> None:
        payments = self.section("payments-h")
        self.fill("payment-amount_yen", str(amount), payments)
        self.fill("payment-paid_on", paid_on, payments)
        self.press("payment-pay", payments)

    def summary(self, item: str) -> str:
        return self.driver.find_element(By.ID, item).text

    def payment_rows(self) -> list[str]:
        return [r.text for r in self.driver.find_elements(By.CSS_SELECTOR, "tr.payment-row")]
