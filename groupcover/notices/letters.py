"""The notice letter (補償内容変更のお知らせ): Japanese first, then English.

Rendered from ``groupcover/templates/notices/`` with a plain Jinja2 environment loaded from the
package, so the ``send-notices`` job, the API and the preview render the same letter without a
Flask application context (with one, the link to the notice uses ``CONSOLE_BASE_URL``).
``render_letter`` takes plain values and returns plain strings.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask import current_app, has_app_context
from jinja2 import Environment, PackageLoader, StrictUndefined

from groupcover.rules.limits import Limits

NOTICE_PATH = "/console/notices/{id}"
DEFAULT_CONSOLE_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class LetterValues:
    """Everything a letter says; ``override_reason`` is set when N1's two months were not kept.

    ``notice_id`` is None in a preview, before the notice exists.
    """

    notice_id: int | None
    program_name: str
    policyholder: str
    insurer: str
    policy_number: str
    member_name: str
    contact_name: str | None
    old: Limits
    new: Limits
    summary_ja: str
    summary_en: str
    effective_date: date
    override_reason: str | None = None
    issued_on: date | None = None


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def yen_ja(amount: int) -> str:
    """3000000 → '3,000,000円'."""
    return f"{amount:,}円"


def yen_en(amount: int) -> str:
    """3000000 → '¥3,000,000'."""
    return f"¥{amount:,}"


def date_ja(day: date | str) -> str:
    """2027-04-01 → '2027年4月1日' (a letter's JSON context holds ISO strings)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"


_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_en(day: date | str) -> str:
    """2027-04-01 → '1 April 2027', whatever the process locale."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("groupcover", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(yen_ja=yen_ja, yen_en=yen_en, date_ja=date_ja, date_en=date_en)
    return env


def notice_url(notice_id: int | None) -> str:
    """The notice's console page (``CONSOLE_BASE_URL``), where the member acknowledges it."""
    base = (
        current_app.config.get("CONSOLE_BASE_URL", DEFAULT_CONSOLE_BASE_URL)
        if has_app_context()
        else DEFAULT_CONSOLE_BASE_URL
    )
    return base.rstrip("/") + NOTICE_PATH.format(id="{id}" if notice_id is None else notice_id)


def render_kind(kind: str, context: dict[str, Any]) -> Letter:
    """Render a letter other than a coverage change from ``notices/<kind>_subject.txt`` and
    ``notices/<kind>_body.txt`` (Japanese first, then English) with ``context``: the program,
    the member, ``send_by``, ``created_on`` and the notice's own context."""
    env = _environment()
    subject = env.get_template(f"notices/{kind}_subject.txt").render(context)
    body = env.get_template(f"notices/{kind}_body.txt").render(context)
    return Letter(subject=" ".join(subject.split()), body=body)


def render_letter(values: LetterValues) -> Letter:
    """Render the subject (one line) and the body of the notice for one member company."""
    env = _environment()
    context = {"v": values, "notice_url": notice_url(values.notice_id)}
    subject = env.get_template("notices/subject.txt").render(context)
    body = env.get_template("notices/body.txt").render(context)
    return Letter(subject=" ".join(subject.split()), body=body)
