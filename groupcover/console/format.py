"""Template filters: yen, dates and instants in the reader's language and the program zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import get_locale

from groupcover.notices.letters import date_en, date_ja

TZ = ZoneInfo("Asia/Tokyo")


def _ja() -> bool:
    return str(get_locale() or "ja") == "ja"


def yen(amount: int | None) -> str:
    if amount is None:
        return "—"
    return f"{amount:,}円" if _ja() else f"¥{amount:,}"


def day(value: date | None) -> str:
    if value is None:
        return "—"
    return date_ja(value) if _ja() else date_en(value)


def instant(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone(TZ)
    return f"{day(local.date())} {local:%H:%M}"


def percent(part: int, whole: int) -> float:
    return 0.0 if whole <= 0 else max(0.0, min(100.0, 100.0 * part / whole))


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(yen=yen, day=day, instant=instant)
    app.jinja_env.globals.update(percent=percent)
