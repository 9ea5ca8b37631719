"""Importing members: a row naming a stored member company by its key (the corporate
number, else the ``vendor_account_id``) updates the fields it changes, as
``PATCH /members/{id}`` would; a row naming no stored member creates one (a row with
neither key only when it equals no stored member). One row per company and one company per
vendor account across the file.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from marshmallow import Schema
from sqlalchemy import select, text

from groupcover import clock, db
from groupcover.errors import DomainError
from groupcover.imports.csvfile import Row
from groupcover.imports.importer import _Importer, _RowFailed
from groupcover.members import service as members_service
from groupcover.members.models import Member
from groupcover.members.schemas import MemberSchema
from groupcover.progress import Progress
from groupcover.rules.corporate_number import normalize_corporate_number


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
