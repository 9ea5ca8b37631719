"""The row machinery every CSV import shares: the ``_Importer`` base class (a row's cells
cleaned, checked field by field by the API's own schema, every bad row recorded as a
``RowError``; the bulk write, ``COPY`` on PostgreSQL and ``executemany`` on SQLite), dates as
Excel shows them in Japan, and ``member`` cells resolved to a member id.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError
from sqlalchemy import Select, insert, select
from sqlmodel import Session, col

from groupcover import db
from groupcover.errors import DomainError, RuleViolation
from groupcover.imports.csvfile import Row, formula_unguarded
from groupcover.members.models import Member
from groupcover.progress import Progress
from groupcover.rules.corporate_number import normalize_corporate_number

_CHUNK = 5000  # ids per IN (...) list, and rows per progress step


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str | None
    rule: str
    message: str


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def date_cell(value: str) -> str:
    """Dates as Excel shows them in Japan (``2026/4/1``, ``2026年4月1日``, full-width digits)
    become ISO ``2026-04-01``; anything else is left for the schema to refuse."""
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.fullmatch(text)
    if match:
        y, m, d = match.groups()
        return f"{y}-{int(m):02d}-{int(d):02d}"
    return text


class _Importer:
    """One kind of row: its columns, its lookups, its checks and its bulk write."""

    columns: ClassVar[tuple[str, ...]]
    required: ClassVar[tuple[str, ...]]
    exported: ClassVar[tuple[str, ...]] = ()  # export-only columns, ignored on the way in
    entity: ClassVar[str]
    schema: ClassVar[Schema]
    dates: ClassVar[tuple[str, ...]] = ()

    def __init__(self, session: Session, today: date):
        self.session = session
        self.today = today
        self.errors: list[RowError] = []
        self.new: list[dict[str, Any]] = []
        self.updates: dict[int, dict[str, Any]] = {}  # stored id → the fields that change
        self.unchanged = 0
        self._memo: dict[str, dict[str, Any]] = defaultdict(dict)
        self._dates_seen: dict[str, str] = {}  # a file has few distinct dates

    @property
    def accepted(self) -> tuple[str, ...]:
        return self.columns + self.exported

    def load(self, rows: list[Row]) -> None:
        """Read what the checks need, in a few queries."""

    def check(self, row: Row) -> None:
        if row.extra:
            self._error(row, None, "extra_cells", "the row has more cells than the header")
            return
        raw = {c: formula_unguarded((row.cells.get(c) or "").strip()) for c in self.columns}
        for c in self.dates:
            seen = self._dates_seen
            raw[c] = seen[raw[c]] if raw[c] in seen else seen.setdefault(raw[c], date_cell(raw[c]))
        with contextlib.suppress(_RowFailed):
            self.check_values(row, raw)

    def check_values(self, row: Row, raw: dict[str, str]) -> None:
        raise NotImplementedError

    def write(self, progress: Progress) -> list[int]:
        raise NotImplementedError

    def _load_schema(self, row: Row, values: dict[str, str]) -> dict[str, Any]:
        """The API schema's own fields: the same types, lengths, formats and required fields.

        Field by field rather than ``schema.load`` (a third of the cost per row); a date
        column's few distinct values are parsed once each.
        """
        loaded: dict[str, Any] = {}
        failed = False
        for column, value in values.items():
            field_ = self.schema.fields[column]
            if value == "":
                if field_.required:
                    self._error(row, column, "required", f"{column}: a value is required")
                    failed = True
                loaded[column] = None
                continue
            memo = self._memo.get(column) if column in self.dates else None
            try:
                if memo is not None and value in memo:
                    result = memo[value]
                    if isinstance(result, ValidationError):
                        raise result
                else:
                    result = field_.deserialize(value, column, values)
                    if memo is not None:
                        memo[value] = result
            except ValidationError as exc:
                if memo is not None:
                    memo[value] = exc
                messages = exc.messages
                text = messages[0] if isinstance(messages, list) else str(messages)
                self._error(row, column, "schema", f"{column}: {text}")
                failed = True
                continue
            loaded[column] = result
        if failed:
            raise _RowFailed
        return loaded

    def _rule(self, row: Row, exc: DomainError, message: str | None = None) -> None:
        self._error(row, exc.field, exc.rule, message or exc.message)
        raise _RowFailed from exc

    def _error(self, row: Row, column: str | None, rule: str, message: str) -> None:
        self.errors.append(RowError(row.number, column, rule, message))

    def _insert(
        self, table: Any, rows: list[dict[str, Any]], progress: Progress, same: dict[str, Any]
    ) -> list[int]:
        """Bulk write, then the new ids in one query. PostgreSQL: ``COPY … FROM STDIN`` on the
        session's own connection (same transaction); SQLite: one ``executemany``. ``same``
        holds what every row shares; its ``created_at`` instant tells this import's rows
        apart. (SQLAlchemy's insertmanyvalues builds 1,000-row statements that psycopg
        re-parses slowly, and with RETURNING SQLite would insert row by row.)"""
        if db.is_postgres(self.session):
            self._copy(table, rows, progress, same)
        else:
            stmt = insert(table).values(**same)
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                self.session.execute(stmt, chunk)
                progress.advance(len(chunk))
        return list(
            self.session.execute(
                select(table.c.id).where(table.c.created_at == same["created_at"])
            ).scalars()
        )

    def _copy(
        self, table: Any, rows: list[dict[str, Any]], progress: Progress, same: dict[str, Any]
    ) -> None:
        columns = list(rows[0]) + list(same)
        fixed = tuple(same.values())
        names = ", ".join(f'"{c}"' for c in columns)
        driver = self.session.connection().connection.driver_connection
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for n, row in enumerate(rows, start=1):
                copy.write_row((*row.values(), *fixed))
                if n % _CHUNK == 0:
                    progress.advance(_CHUNK)
        progress.advance(len(rows) % _CHUNK)


class _RowFailed(Exception):
    """The row's errors are recorded; go on with the next row."""


class _MemberRefs:
    """``member`` cells: ``#<id>``, a corporate number or a ``vendor_account_id``."""

    def __init__(self, session: Session):
        self.ids: set[int] = set()
        self.by_account: dict[str, int] = {}
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self._seen: dict[str, int | RuleViolation] = {}
        for member_id, account, number in session.execute(
            select(col(Member.id), col(Member.vendor_account_id), col(Member.corporate_number))
        ):
            self.ids.add(member_id)
            if account is not None:
                self.by_account[account] = member_id
            if number is not None:
                self.by_number[number].append(member_id)

    def resolve(self, ref: str) -> int:
        """The member id; ``RuleViolation`` (field ``member``) when none or several match."""
        found = self._seen.get(ref)
        if found is None:
            try:
                found = self._seen[ref] = self._resolve(ref)
            except RuleViolation as exc:
                found = self._seen[ref] = exc
        if isinstance(found, RuleViolation):
            raise found
        return found

    def _resolve(self, ref: str) -> int:
        text = unicodedata.normalize("NFKC", ref).strip()
        if not text:
            raise RuleViolation("member: a member is required", field="member", rule="required")
        if text.startswith("#"):
            if text[1:].isdigit() and int(text[1:]) in self.ids:
                return int(text[1:])
        else:
            number = normalize_corporate_number(text)
            found = self.by_number.get(number, [])
            if len(found) > 1:
                raise RuleViolation(
                    f"member: corporate number {number} belongs to members "
                    f"{', '.join(map(str, found))}; use #<id>",
                    field="member",
                    rule="member_ambiguous",
                )
            if found:
                return found[0]
            if text in self.by_account:
                return self.by_account[text]
        raise RuleViolation(
            f"member: no member is {ref!r} (a corporate number, a vendor_account_id or #<id>)",
            field="member",
            rule="member_unknown",
        )

    def lock(self, session: Session, member_ids: set[int]) -> None:
        """The API's per-member lock (``terms.service.lock_member``), taken for all at once."""
        if not db.is_postgres(session):
            return  # SQLite: the import's BEGIN IMMEDIATE already serialises writers
        locking = select(col(Member.id)).order_by(col(Member.id)).with_for_update()
        for _ in _of_members(session, locking, col(Member.id), sorted(member_ids)):
            pass


def _of_members(session: Session, stmt: Select, member_id: Any, ids: list[int]) -> Iterator[Any]:
    """The rows of ``stmt`` whose ``member_id`` column is one of ``ids``, read in IN lists of
    ``_CHUNK`` ids (a file may name more members than a statement takes parameters)."""
    for start in range(0, len(ids), _CHUNK):
        yield from session.execute(stmt.where(member_id.in_(ids[start : start + _CHUNK])))


def _referenced_members(session: Session, rows: list[Row]) -> tuple[_MemberRefs, list[int]]:
    """The file's member references and the ids they name, in id order, locked as the API
    locks one member (terms and suppliers importers)."""
    refs = _MemberRefs(session)
    members = _resolved_members(refs, rows)
    refs.lock(session, members)
    return refs, sorted(members)


def _resolved_members(refs: _MemberRefs, rows: list[Row]) -> set[int]:
    found = set()
    for row in rows:
        try:
            found.add(refs.resolve(row.cells.get("member") or ""))
        except RuleViolation:
            continue
    return found
