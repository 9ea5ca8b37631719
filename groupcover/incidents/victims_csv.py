"""The victims list as a CSV file (被害者の住所・氏名, seed 004 §5①ア): ``name,address``.

Seed 003's claim had tens of thousands of affected people: the list comes as a file, in UTF-8
(with or without BOM) or CP932 as Excel writes it in Japan, up to 100,000 rows. Bad rows are
all listed (422) and nothing is written.
"""

from __future__ import annotations

import csv
import io

from flask import Request

from groupcover import config
from groupcover.errors import BadRequest, DomainError, RuleViolation
from groupcover.imports import csvfile

MAX_ROWS = 100_000
MAX_ERRORS = 100


class TooLarge(DomainError):
    status = 413


def read_body(request: Request) -> bytes:
    """The raw body, refused (413) when larger than ``MAX_IMPORT_BYTES``."""
    limit = config.settings().MAX_IMPORT_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"the body is larger than {limit:,} bytes", field=None, rule="max_bytes")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the body is larger than {limit:,} bytes", field=None, rule="max_bytes")
    return data


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else CP932, read as the imports read Excel's files; anything
    else is malformed (400)."""
    try:
        return csvfile.decode(data)[0]
    except csvfile.CsvFileError as err:
        raise BadRequest(err.message, field="body", rule="csv_encoding") from err


def parse(data: bytes) -> list[dict[str, str]]:
    """Rows ``{name, address}`` from the CSV; 400 without the header, 422 listing bad rows."""
    text = decode(data)
    if "\x00" in text:
        raise BadRequest("the CSV contains NUL bytes", field="body", rule="csv_nul")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    if "name" not in header or "address" not in header:
        raise BadRequest(
            "the first row must be the header name,address", field="body", rule="csv_header"
        )
    name_at, address_at = header.index("name"), header.index("address")
    rows: list[dict[str, str]] = []
    errors: list[dict[str, object]] = []
    messages = {"name": "name must have 1 to 300 characters", "address": "at most 500 characters"}
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise RuleViolation(
                f"more than {MAX_ROWS:,} victims", field="body", rule="max_rows", max_rows=MAX_ROWS
            )
        cells = record + [""] * (len(header) - len(record))
        name, address = cells[name_at].strip(), cells[address_at].strip()
        if not name or len(name) > 300:
            errors.append(
                {
                    "row": number,
                    "column": "name",
                    "rule": "length_1_300",
                    "message": messages["name"],
                }
            )
        if len(address) > 500:
            errors.append(
                {
                    "row": number,
                    "column": "address",
                    "rule": "length_0_500",
                    "message": messages["address"],
                }
            )
        rows.append({"name": name, "address": address})
    if errors:
        raise RuleViolation(
            f"{len(errors)} bad rows in the victims CSV",
            field="body",
            rule="csv_rows",
            errors=errors[:MAX_ERRORS],
        )
    return rows
