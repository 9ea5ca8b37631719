"""Importing suppliers: a row per supplier registration of a member, checked as
``POST /members/{id}/suppliers`` would (the domain normalised, the registration fitting the
member's stored spans for that domain and earlier rows). Rows name their member as terms
rows do, so this importer extends the terms one.
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
from groupcover.imports.importer import _of_members, _referenced_members
from groupcover.imports.terms import _Terms
from groupcover.progress import Progress
from groupcover.rules.periods import Span
from groupcover.suppliers import service as suppliers_service
from groupcover.suppliers.models import Registration
from groupcover.suppliers.schemas import RegistrationSchema


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
        self.refs, members = _referenced_members(self.session, rows)
        self.spans: dict[tuple[int, str], list[tuple[int | None, Span]]] = defaultdict(list)
        stored = select(
            col(Registration.id),
            col(Registration.member_id),
            col(Registration.domain),
            col(Registration.registered_on),
            col(Registration.deregistered_on),
        )
        for r in _of_members(self.session, stored, col(Registration.member_id), members):
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
