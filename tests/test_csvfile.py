"""Reading Excel's CSV: encodings, Japanese date formats, and the helpers of imports/exports."""

from __future__ import annotations

import pytest

from groupcover.imports.csvfile import (
    CsvFileError,
    decode,
    encoding_name,
    formula_safe,
    formula_unguarded,
)
from groupcover.imports.service import date_cell, id_ranges
from groupcover.rules.corporate_number import normalize_corporate_number


@pytest.mark.parametrize(
    ("cell", "iso"),
    [
        ("2026-04-01", "2026-04-01"),
        ("2026/4/1", "2026-04-01"),
        ("2028/02/29", "2028-02-29"),  # a leap day, still checked by the schema later
        ("2026年4月1日", "2026-04-01"),
        ("２０２６／１２／３１", "2026-12-31"),
        (" 2026.4.1 ", "2026-04-01"),
        ("4/1/2026", "4/1/2026"),  # not ours to guess: the schema refuses it
        ("", ""),
    ],
)
def test_date_cells(cell, iso):
    assert date_cell(cell) == iso


@pytest.mark.parametrize(
    ("data", "forced", "encoding"),
    [
        ("\ufeff名前".encode(), None, "utf-8"),
        ("名前".encode(), None, "utf-8"),
        ("名前㈱".encode("cp932"), None, "cp932"),
        ("名前".encode("cp932"), "cp932", "cp932"),
    ],
)
def test_decode(data, forced, encoding):
    text, used = decode(data, forced)
    assert (text.lstrip("\ufeff")[:2], used) == ("名前", encoding)


def test_decode_refuses_what_it_cannot_read():
    with pytest.raises(CsvFileError):
        decode("名前".encode("cp932"), "utf-8-sig")


@pytest.mark.parametrize(
    ("name", "codec"), [("UTF-8", "utf-8-sig"), ("Shift_JIS", "cp932"), ("", None), (None, None)]
)
def test_encoding_names(name, codec):
    assert encoding_name(name) == codec


def test_unknown_encoding_name():
    with pytest.raises(ValueError):
        encoding_name("latin-1")


def test_id_ranges():
    assert id_ranges([]) == []
    assert id_ranges([7, 1, 2, 3, 9, 8]) == [[1, 3], [7, 9]]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-x", "'-x"),
        ("@SUM", "'@SUM"),
        ("株式会社", "株式会社"),
    ],
)
def test_formula_safe(value, safe):
    assert formula_safe(value) == safe
    assert formula_unguarded(formula_safe(value)) == value


@pytest.mark.parametrize("typed", ["'quoted'", "'", "O'Reilly", "'株式会社"])
def test_an_apostrophe_not_guarding_a_formula_stays(typed):
    assert formula_unguarded(typed) == typed


@pytest.mark.parametrize(
    ("typed", "number"),
    [("８７００１１０００５９０１", "8700110005901"), ("8-7001-1000-5901", "8700110005901")],
)
def test_corporate_numbers_as_typed(typed, number):
    assert normalize_corporate_number(typed) == number
