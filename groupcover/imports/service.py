"""CSV import of members, terms and suppliers: every row checked by the API's own rules,
every bad row reported, and nothing written unless the whole file is good.

A file is one transaction. Rows are validated in Python against lookups loaded in a few
queries (never a query per row), then written with bulk INSERTs. A row equal to what is
already stored is ``unchanged``, so importing the same file twice creates nothing. A members
row that names a stored member company (by its key: the corporate number, else the
``vendor_account_id``) with other values ``updated`` it, as ``PATCH /members/{id}`` would.

This module runs an import; each kind's rows are checked and written by its importer in
``members``, ``terms`` or ``suppliers``, on the row machinery they share in ``importer``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from groupcover import audit
from groupcover.errors import RuleViolation
from groupcover.imports.csvfile import CsvFileError, decode, read_rows
from groupcover.imports.importer import _CHUNK, RowError, _Importer, date_cell
from groupcover.imports.members import _Members
from groupcover.imports.suppliers import _Suppliers
from groupcover.imports.terms import _Terms
from groupcover.progress import Progress

__all__ = [
    "KINDS",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "date_cell",
    "id_ranges",
    "run_import",
]

KINDS = ("members", "terms", "suppliers")


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


_IMPORTERS: dict[str, type[_Importer]] = {
    "members": _Members,
    "terms": _Terms,
    "suppliers": _Suppliers,
}
