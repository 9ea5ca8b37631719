"""CSV import of members, terms and suppliers: every row checked by the API's own rules,
every bad row reported, and nothing written unless the whole file is good.

A file is one transaction. Rows are validated in Python against lookups loaded in a few
queries (never a query per row), then written with bulk INSERTs. A row equal to what is
already stored is ``unchanged``, so importing the same file twice creates nothing. A members
row that names a stored member company (by its key: the corporate number, else the
``vendor_account_id``) with other values ``updated`` it, as ``PATCH /members/{id}`` would.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError
from sqlalchemy import insert, select, text
from sqlmodel import Session, col

from groupcover import audit, clock, db
from groupcover.errors import Conflict, DomainError, RuleViolation
from groupcover.imports.csvfile import (
    CsvFileError,
    Row,
    decode,
    formula_unguarded,
    read_rows,
)
from groupcover.members import service as members_service
from groupcover.members.models import Member
from groupcover.members.schemas import MemberSchema
from groupcover.progress import Progress
from groupcover.rules.corporate_number import normalize_corporate_number
from groupcover.rules.coverage import Term as TermRule
from groupcover.rules.periods import Span
from groupcover.suppliers import service as suppliers_service
from groupcover.suppliers.models import Registration
from groupcover.suppliers.schemas import RegistrationSchema
from groupcover.terms import service as terms_service
from groupcover.terms.models import Term
from groupcover.terms.schemas import TermSchema

KINDS = ("members", "terms", "suppliers")
_CHUNK = 5000  # ids per IN (...) list, and rows per progress step


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str | None
    rule: str
    message: str


class ImportRejected(RuleViolation):
    """422: the file (or some of its rows) breaks the rules; ``errors`` lists every one."""

    def __init__(self, errors: list[RowError]):
        super().__init__(
            f"{len(errors)} error(s); nothing was imported",
            field=errors[0].column,
            rule="import_rejected",
        )
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["errors"] = [
            {"row": e.row, "column": e.column, "rule": e.rule, "message": e.message}
            for e in self.errors
        ]
        return body


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int
    unchanged: int
    dry_run: bool
    encoding: str
    errors: list[RowError] = field(default_factory=list)
    updated: int = 0  # members only: stored members whose values the file changed


def run_import(
    session: Session,
    kind: str,
    data: bytes,
    *,
    encoding: str | None = None,
    dry_run: bool = False,
    today: date,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of the CSV ``data``; unless a row is bad or ``dry_run``, write them.

    ``encoding`` forces a codec (see ``csvfile.encoding_name``); None detects it.
    Raises ``ImportRejected`` listing every error; the caller's transaction then rolls back.
    """
    importer = _IMPORTERS[kind](session, today)
    try:
        text, used = decode(data, encoding)
        rows = list(read_rows(text, importer.accepted, importer.required))
    except CsvFileError as exc:
        raise ImportRejected([RowError(exc.row or 1, None, exc.rule, exc.message)]) from exc
    progress = progress or Progress(f"import {kind}", quiet=True)
    progress.phase(f"checking {kind}", total=len(rows))
    importer.load(rows)
    for start in range(0, len(rows), _CHUNK):
        for row in rows[start : start + _CHUNK]:
            importer.check(row)
        progress.advance(len(rows[start : start + _CHUNK]))
    if importer.errors:
        raise ImportRejected(importer.errors)
    result = ImportResult(
        kind=kind,
        rows=len(rows),
        created=len(importer.new),
        updated=len(importer.updates),
        unchanged=importer.unchanged,
        dry_run=dry_run,
        encoding=used,
        errors=importer.errors,
    )
    if not dry_run and (importer.new or importer.updates):
        progress.phase(f"writing {kind}", total=len(importer.new) + len(importer.updates))
        ids = importer.write(progress)
        audit.record(
            session,
            f"{importer.entity}.import",
            importer.entity,
            None,
            after={
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "sha256": hashlib.sha256(data).hexdigest(),
                "ids": id_ranges(ids),
            },
        )
    return result


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """``[1, 2, 3, 7]`` → ``[[1, 3], [7, 7]]``: a compact audit record of a bulk insert."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges


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
        ordered = sorted(member_ids)
        for start in range(0, len(ordered), _CHUNK):
            session.execute(
                select(col(Member.id))
                .where(col(Member.id).in_(ordered[start : start + _CHUNK]))
                .order_by(col(Member.id))
                .with_for_update()
            ).all()


def _resolved_members(refs: _MemberRefs, rows: list[Row]) -> set[int]:
    found = set()
    for row in rows:
        try:
            found.add(refs.resolve(row.cells.get("member") or ""))
        except RuleViolation:
            continue
    return found


class _Members(_Importer):
    """A row names a stored member by its key: the corporate number when the row has one,
    else its ``vendor_account_id``. Such a row updates the fields it changes; an empty key
    cell, or a column the file does not have, keeps what is stored. A row without either key
    cannot name anyone: unless it equals a stored member, it creates one."""

    columns: ClassVar[tuple[str, ...]] = (
        "name",
        "contact_email",
        "contact_name",
        "vendor_account_id",
        "corporate_number",
    )
    required: ClassVar[tuple[str, ...]] = ("name", "contact_email")
    exported: ClassVar[tuple[str, ...]] = (
        "id",
        "has_vendor_credential",
        "created_at",
        "updated_at",
    )
    entity: ClassVar[str] = "member"
    schema: ClassVar[Schema] = MemberSchema()
    keys: ClassVar[tuple[str, ...]] = ("corporate_number", "vendor_account_id")

    def load(self, rows: list[Row]) -> None:
        if db.is_postgres(self.session):
            # Create-or-update is decided on what is read here: no member may be added or
            # changed meanwhile (SQLite's BEGIN IMMEDIATE serialises writers already).
            self.session.execute(text("LOCK TABLE member IN SHARE ROW EXCLUSIVE MODE"))
        self.stored: dict[int, dict[str, Any]] = {}
        self.by_account: dict[str, int] = {}
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self.keyless: set[tuple] = set()
        for m in self.session.execute(select(*(getattr(Member, c) for c in ("id", *self.columns)))):
            values = dict(zip(self.columns, m[1:], strict=True))
            self.stored[m.id] = values
            if m.vendor_account_id is not None:
                self.by_account[m.vendor_account_id] = m.id
            if m.corporate_number is not None:
                self.by_number[m.corporate_number].append(m.id)
            if m.vendor_account_id is None and m.corporate_number is None:
                self.keyless.add(tuple(m[1:]))
        self.seen: dict[tuple, tuple[int, dict[str, Any]]] = {}  # target → (row, values)
        self.file_accounts: dict[str, tuple[tuple, int]] = {}  # account → (target, row)

    def check_values(self, row: Row, raw: dict[str, str]) -> None:
        if raw["corporate_number"]:
            raw["corporate_number"] = normalize_corporate_number(raw["corporate_number"])
        values = self._load_schema(row, raw)
        try:
            members_service.check_corporate_number(values.get("corporate_number"))
        except DomainError as exc:
            self._rule(row, exc)
        member_id = self._identify(row, values)
        if member_id is not None:
            target: tuple = ("member", member_id)
            stored = self.stored[member_id]
            values = {
                c: values[c]
                if c in row.cells and not (c in self.keys and values[c] is None)
                else stored[c]
                for c in self.columns
            }
        else:
            key = tuple(values.get(c) for c in self.columns)
            number, account = values.get("corporate_number"), values.get("vendor_account_id")
            target = ("number", number) if number else ("account", account) if account else key
        self._claim(row, target, values)
        if member_id is not None:
            changes = {c: v for c, v in values.items() if v != stored[c]}
            if changes:
                self.updates[member_id] = changes
            else:
                self.unchanged += 1
        elif target in self.keyless:
            self.unchanged += 1
        else:
            self.new.append(values)

    def _identify(self, row: Row, values: dict[str, Any]) -> int | None:
        """The stored member the row names, or None for a new one; a row error (and
        ``_RowFailed``) when its keys point at different members."""
        number, account = values.get("corporate_number"), values.get("vendor_account_id")
        holder = self.by_account.get(account) if account is not None else None
        if number is None:
            return holder
        found = self.by_number.get(number, [])
        if len(found) > 1 and holder not in found:
            self._error(
                row,
                "corporate_number",
                "corporate_number_ambiguous",
                f"corporate number {number} belongs to members "
                f"{', '.join(f'#{i}' for i in found)}; correct them first "
                "(PATCH /api/v1/members/{id}) or give the row the vendor_account_id of one",
            )
            raise _RowFailed
        if len(found) > 1:
            return holder
        if not found:
            try:
                members_service.check_vendor_account_free(account, holder)
            except DomainError as exc:
                self._rule(row, exc)
            return None
        if holder is not None and holder != found[0]:
            self._error(
                row,
                "vendor_account_id",
                "member_key_conflict",
                f"corporate number {number} is member #{found[0]}, but vendor_account_id "
                f"{account!r} belongs to member #{holder}",
            )
            raise _RowFailed
        return found[0]

    def _claim(self, row: Row, target: tuple, values: dict[str, Any]) -> None:
        """One row per company, one company per vendor account, across the file. A row
        repeating an earlier one exactly is ``unchanged`` (``_RowFailed`` ends its check)."""
        earlier = self.seen.get(target)
        if earlier is not None:
            first, first_values = earlier
            if first_values == values:
                self.unchanged += 1
                raise _RowFailed
            if target[0] == "account":  # a new member known by its account only
                self._error(
                    row,
                    "vendor_account_id",
                    "vendor_account_id_unique",
                    f"vendor_account_id {target[1]!r} is also on row {first}",
                )
                raise _RowFailed
            column = next(c for c in self.columns if first_values[c] != values[c])
            self._error(
                row,
                column,
                "member_repeated",
                f"row {first} names the same member company with another {column}; "
                "give each company one row",
            )
            raise _RowFailed
        account = values.get("vendor_account_id")
        claimed = self.file_accounts.get(account) if account is not None else None
        if claimed is not None and claimed[0] != target:
            self._error(
                row,
                "vendor_account_id",
                "vendor_account_id_unique",
                f"vendor_account_id {account!r} is also on row {claimed[1]}",
            )
            raise _RowFailed
        self.seen[target] = (row.number, values)
        if account is not None:
            self.file_accounts[account] = (target, row.number)

    def write(self, progress: Progress) -> list[int]:
        if self.updates:
            members_service.update_members(self.session, self.updates)
            progress.advance(len(self.updates))
        if not self.new:
            return []
        now = clock.now()
        return self._insert(
            db.table(Member), self.new, progress, {"created_at": now, "updated_at": now}
        )


class _Terms(_Importer):
    columns: ClassVar[tuple[str, ...]] = ("member", "start_date", "end_date")
    required: ClassVar[tuple[str, ...]] = columns
    exported: ClassVar[tuple[str, ...]] = (
        "id",
        "member_id",
        "last_day",
        "period_start",
        "period_end",
        "cancelled",
        "state",
        "aggregate_paid",
        "created_at",
    )
    entity: ClassVar[str] = "term"
    schema: ClassVar[Schema] = TermSchema(only=("start_date", "end_date"))
    dates: ClassVar[tuple[str, ...]] = ("start_date", "end_date")

    def load(self, rows: list[Row]) -> None:
        self.refs = _MemberRefs(self.session)
        members = _resolved_members(self.refs, rows)
        self.refs.lock(self.session, members)
        self.terms: dict[int, list[TermRule]] = defaultdict(list)
        ordered = sorted(members)
        for start in range(0, len(ordered), _CHUNK):
            for t in self.session.execute(
                select(
                    col(Term.id),
                    col(Term.member_id),
                    col(Term.start_date),
                    col(Term.end_date),
                    col(Term.last_day),
                ).where(col(Term.member_id).in_(ordered[start : start + _CHUNK]))
            ):
                self.terms[t.member_id].append(TermRule(*t))
        self.file_rows: dict[int, int] = {}  # provisional negative id → row number

    def check_values(self, row: Row, raw: dict[str, str]) -> None:
        member_id = self._member(row, raw["member"])
        values = self._load_schema(
            row, {"start_date": raw["start_date"], "end_date": raw["end_date"]}
        )
        if member_id is None:
            return
        start, end = values["start_date"], values["end_date"]
        try:
            terms_service.check_term_dates(start, end)
        except DomainError as exc:
            self._rule(row, exc)
        mine = self.terms[member_id]
        if any(t.start_date == start and t.end_date == end for t in mine):
            self.unchanged += 1
            return
        try:
            terms_service.check_no_overlap(Span(start, end), mine)
        except Conflict as exc:
            other = exc.extra.get("term_id", 0)
            message = None
            if other < 0:  # a term earlier in this file
                message = f"overlaps the term on row {self.file_rows[other]} for the same member"
            self._rule(row, exc, message)
        provisional = -row.number
        self.file_rows[provisional] = row.number
        mine.append(TermRule(provisional, member_id, start, end))
        self.new.append({"member_id": member_id, "start_date": start, "end_date": end})

    def _member(self, row: Row, ref: str) -> int | None:
        try:
            return self.refs.resolve(ref)
        except DomainError as exc:
            self._error(row, exc.field, exc.rule, exc.message)
            return None

    def write(self, progress: Progress) -> list[int]:
        from groupcover.notices.service import notify_new_terms

        same = {"last_day": None, "cancelled_at": None, "aggregate_paid": 0}
        ids = self._insert(db.table(Term), self.new, progress, {**same, "created_at": clock.now()})
        notify_new_terms(
            self.session, [(v["member_id"], v["end_date"]) for v in self.new], self.today
        )
        return ids


class _Suppliers(_Terms):
    columns: ClassVar[tuple[str, ...]] = ("member", "domain", "name", "registered_on")
    required: ClassVar[tuple[str, ...]] = columns
    exported: ClassVar[tuple[str, ...]] = (
        "id",
        "member_id",
        "vendor_supplier_id",
        "deregistered_on",
        "source",
        "state",
        "created_at",
        "updated_at",
    )
    entity: ClassVar[str] = "registration"
    schema: ClassVar[Schema] = RegistrationSchema(only=("domain", "name", "registered_on"))
    dates: ClassVar[tuple[str, ...]] = ("registered_on",)

    def load(self, rows: list[Row]) -> None:
        self.refs = _MemberRefs(self.session)
        members = _resolved_members(self.refs, rows)
        self.refs.lock(self.session, members)
        self.spans: dict[tuple[int, str], list[tuple[int | None, Span]]] = defaultdict(list)
        ordered = sorted(members)
        for start in range(0, len(ordered), _CHUNK):
            for r in self.session.execute(
                select(
                    col(Registration.id),
                    col(Registration.member_id),
                    col(Registration.domain),
                    col(Registration.registered_on),
                    col(Registration.deregistered_on),
                ).where(col(Registration.member_id).in_(ordered[start : start + _CHUNK]))
            ):
                self.spans[(r.member_id, r.domain)].append(
                    (r.id, Span(r.registered_on, r.deregistered_on))
                )
        self.file_rows = {}

    def check_values(self, row: Row, raw: dict[str, str]) -> None:
        member_id = self._member(row, raw["member"])
        values = self._load_schema(
            row,
            {"domain": raw["domain"], "name": raw["name"], "registered_on": raw["registered_on"]},
        )
        try:
            domain = suppliers_service.parse_domain(values["domain"])
        except DomainError as exc:
            self._rule(row, exc)
        if member_id is None:
            return
        registered_on = values["registered_on"]
        known = self.spans[(member_id, domain)]
        if any(span.start == registered_on for _id, span in known):
            self.unchanged += 1
            return
        try:
            suppliers_service.check_registration_fits(domain, registered_on, known)
        except Conflict as exc:
            other = exc.extra.get("registration_id") or 0
            message = None
            if other < 0:
                message = f"{domain} is also registered for the same member on row {-other}"
            self._rule(row, exc, message)
        known.append((-row.number, Span(registered_on)))
        self.new.append(
            {
                "member_id": member_id,
                "domain": domain,
                "name": values["name"],
                "registered_on": registered_on,
            }
        )

    def write(self, progress: Progress) -> list[int]:
        now = clock.now()
        same = {"vendor_supplier_id": None, "deregistered_on": None, "source": "manual"}
        return self._insert(
            db.table(Registration),
            self.new,
            progress,
            {**same, "created_at": now, "updated_at": now},
        )


_IMPORTERS: dict[str, type[_Importer]] = {
    "members": _Members,
    "terms": _Terms,
    "suppliers": _Suppliers,
}
