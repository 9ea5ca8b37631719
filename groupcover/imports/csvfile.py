"""Reading a CSV file as Excel writes it: its encoding, its line ends, its quoting.

Excel in Japan saves "CSV (コンマ区切り)" in Shift_JIS (really CP932, Microsoft's superset
with ①, ㈱, NEC and IBM extensions) and "CSV UTF-8" with a byte-order mark; other tools write
UTF-8 without one. Lines end in CRLF; a cell with a comma, a quote or a line break is quoted.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

ENCODINGS = {
    "utf-8": "utf-8-sig",  # a BOM, if any, is never part of the first header
    "utf8": "utf-8-sig",
    "utf-8-sig": "utf-8-sig",
    "cp932": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
}


class CsvFileError(ValueError):
    """The file as a whole cannot be read; ``rule`` names why."""

    def __init__(self, message: str, rule: str, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.row = row


def encoding_name(forced: str | None) -> str | None:
    """The codec for ``?encoding=`` (None: detect); ValueError for one we do not read."""
    if forced is None or forced == "":
        return None
    try:
        return ENCODINGS[forced.strip().lower()]
    except KeyError:
        raise ValueError(
            f"encoding must be one of utf-8, shift_jis, cp932 (not {forced!r})"
        ) from None


def decode(data: bytes, forced: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read in: BOM → UTF-8; valid UTF-8 → UTF-8; else CP932."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvFileError(
            "the file is UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8' instead",
            rule="encoding",
        )
    if forced is not None:
        candidates = [forced]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8-sig", "cp932"]
    for codec in candidates:
        try:
            return data.decode(codec), "utf-8" if codec == "utf-8-sig" else codec
        except UnicodeDecodeError:
            continue
    raise CsvFileError(
        f"the file is not {' or '.join(candidates).replace('-sig', '')} text "
        "(save it from Excel as 'CSV UTF-8' or 'CSV (コンマ区切り)')",
        rule="encoding",
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One record: its number as Excel shows it (the header is row 1) and its cells."""

    number: int
    cells: dict[str, str]
    extra: list[str]


def read_rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> Iterator[Row]:
    """Records keyed by header; blank records (Excel's trailing ``,,,``) are skipped.

    The header is matched without case or surrounding blanks. A required column missing, a
    column we do not know or a column named twice is a ``CsvFileError``.
    """
    if "\x00" in text:
        raise CsvFileError("the file contains NUL characters", rule="nul_character")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CsvFileError("the file is empty: a header row is needed", rule="header", row=1)
        names = [h.strip().lower() for h in header]
        _check_header(names, columns, required)
        width = len(names)
        for number, record in enumerate(reader, start=2):
            if not "".join(record).strip():
                continue
            extra = [c for c in record[width:] if c.strip()] if len(record) > width else []
            yield Row(number, dict(zip(names, record, strict=False)), extra)
    except csv.Error as exc:
        raise CsvFileError(
            f"line {reader.line_num}: {exc}", rule="csv_syntax", row=reader.line_num
        ) from exc


def _check_header(names: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise CsvFileError(f"column {name!r} appears twice", rule="header", row=1)
        seen.add(name)
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise CsvFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; "
            f"the columns are {', '.join(columns)}",
            rule="header",
            row=1,
        )
    missing = [c for c in required if c not in seen]
    if missing:
        raise CsvFileError(f"missing column(s) {', '.join(missing)}", rule="header", row=1)


def formula_safe(value: str) -> str:
    """A cell Excel would run as a formula (=, +, -, @) is written as text (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def formula_unguarded(value: str) -> str:
    """``formula_safe`` undone: an exported cell read back is the value that was stored."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value
