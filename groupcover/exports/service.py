"""CSV exports: the import columns plus ids and state, one row at a time.

Rows come from a server-side cursor (``stream_results``/``yield_per``) and leave as CSV in
chunks, so memory stays flat whatever the row count. The file starts with a UTF-8 BOM and
ends lines in CRLF: Excel opens it as it is, Japanese included.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, String, Table, case, cast, func, literal, select
from sqlalchemy.sql import ColumnElement, Select

from groupcover import db
from groupcover.imports.csvfile import formula_safe
from groupcover.incidents.models import Incident
from groupcover.members.models import Member
from groupcover.notices.models import Notice
from groupcover.suppliers.models import Registration
from groupcover.terms.models import Term

KINDS = ("members", "terms", "registrations", "notices", "incidents")
BATCH = 2000


@dataclass(frozen=True)
class Export:
    kind: str
    query: Callable[[date], Select]


def _present(table: Table, names: tuple[str, ...]) -> list[ColumnElement]:
    """The named columns this table has (a column another change adds is picked up)."""
    return [table.c[n] for n in names if n in table.c]


def _members(_today: date) -> Select:
    m = db.table(Member)
    return select(
        m.c.id,
        m.c.name,
        m.c.contact_email,
        m.c.contact_name,
        m.c.vendor_account_id,
        m.c.corporate_number,
        m.c.vendor_credential.is_not(None).label("has_vendor_credential"),
        m.c.created_at,
        m.c.updated_at,
    ).order_by(m.c.id)


def _member_ref(column: Any) -> ColumnElement:
    """``#<id>``: the ``member`` column an import reads back."""
    return (literal("#") + cast(column, String)).label("member")


def _terms(today: date) -> Select:
    t = db.table(Term)
    period_end = func.coalesce(t.c.last_day, t.c.end_date)
    state = case(
        (t.c.start_date > today, "upcoming"), (period_end < today, "ended"), else_="running"
    )
    return select(
        t.c.id,
        _member_ref(t.c.member_id),
        t.c.member_id,
        t.c.start_date,
        t.c.end_date,
        t.c.last_day,
        t.c.start_date.label("period_start"),
        period_end.label("period_end"),
        t.c.last_day.is_not(None).label("cancelled"),
        state.label("state"),
        t.c.aggregate_paid,
        t.c.created_at,
    ).order_by(t.c.id)


def _registrations(today: date) -> Select:
    r = db.table(Registration)
    state = case(
        (r.c.registered_on > today, "upcoming"),
        (r.c.deregistered_on < today, "ended"),
        else_="active",
    )
    return select(
        r.c.id,
        _member_ref(r.c.member_id),
        r.c.member_id,
        r.c.domain,
        r.c.name,
        r.c.registered_on,
        r.c.vendor_supplier_id,
        r.c.deregistered_on,
        r.c.source,
        state.label("state"),
        r.c.created_at,
        r.c.updated_at,
    ).order_by(r.c.id)


def _notices(_today: date) -> Select:
    n = db.table(Notice)
    names = (
        "id",
        "kind",
        "member_id",
        "coverage_terms_id",
        "send_by",
        "status",
        "attempts",
        "sent_at",
        "sent_on",
        "acknowledged_at",
        "created_on",
        "message_sha256",
        "chain_sha256",
    )
    return select(*_present(n, names)).order_by(n.c.id)


def _incidents(_today: date) -> Select:
    i = db.table(Incident)
    names = (
        "id",
        "member_id",
        "registration_id",
        "term_id",
        "status",
        "cause",
        "occurred_on",
        "discovered_on",
        "place",
        "covered",
        "reason",
        "period_start",
        "period_end",
        "claimed_yen",
        "approved_yen",
        "deducted_yen",
        "paid_yen",
        "completed_on",
        "pay_by",
        "created_at",
    )
    return select(*_present(i, names)).order_by(i.c.id)


EXPORTS = {
    "members": _members,
    "terms": _terms,
    "registrations": _registrations,
    "notices": _notices,
    "incidents": _incidents,
}


def cell(value: Any) -> Any:
    """One value as Excel should see it: ISO dates and instants, true/false, text safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return formula_safe(value)
    return value


def csv_chunks(header: list[str], rows: Iterator[Any]) -> Iterator[bytes]:
    """BOM and header, then the rows, CRLF-terminated, about ``BATCH`` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(v) for v in row])
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def stream_export(engine: Engine, kind: str, today: date) -> Iterator[bytes]:
    """The export as chunks of bytes, read through a server-side cursor on its own
    connection (a streamed response outlives the request's session)."""
    stmt = EXPORTS[kind](today)
    header = [c.name for c in stmt.selected_columns]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        yield from csv_chunks(header, iter(result))
