"""Importing terms: a row per coverage term of a member (``#<id>``, corporate number or
``vendor_account_id``), checked as ``POST /members/{id}/terms`` would (dates, no overlap
with the member's stored terms or an earlier row); the new terms queue their notices.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

from marshmallow import Schema
from sqlalchemy import select
from sqlmodel import col

from groupcover import clock, db
from groupcover.errors import Conflict, DomainError
from groupcover.imports.csvfile import Row
from groupcover.imports.importer import _Importer, _of_members, _referenced_members
from groupcover.progress import Progress
from groupcover.rules.coverage import Term as TermRule
from groupcover.rules.periods import Span
from groupcover.terms import service as terms_service
from groupcover.terms.models import Term
from groupcover.terms.schemas import TermSchema


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
        self.refs, members = _referenced_members(self.session, rows)
        self.terms: dict[int, list[TermRule]] = defaultdict(list)
        stored = select(
            col(Term.id),
            col(Term.member_id),
            col(Term.start_date),
            col(Term.end_date),
            col(Term.last_day),
        )
        for t in _of_members(self.session, stored, col(Term.member_id), members):
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
