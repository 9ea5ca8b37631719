"""法人番号: the first of 13 digits is 9 − (Σ Pn × Qn mod 9)."""

import pytest

from groupcover.rules.corporate_number import (
    corporate_number_check_digit,
    is_valid_corporate_number,
    normalize_corporate_number,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("7000012050002", True),  # 国税庁 (National Tax Agency)
        ("1000012050003", False),  # same base, wrong check digit
        ("8000012010038", True),
        ("8000012010039", False),  # last digit changed: the check digit no longer fits
        ("700001205000", False),  # 12 digits
        ("70000120500021", False),  # 14 digits
        ("700001205000a", False),
        ("７００００１２０５０００２", False),  # full-width digits are not accepted
    ],
)
def test_is_valid(number, valid):
    assert is_valid_corporate_number(number) is valid


def test_check_digit_nine_when_the_sum_divides():
    assert corporate_number_check_digit("000000000000") == 9


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("pasted", "normalised"),
    [
        (
            "7000012050002".translate(FULL_WIDTH),
            "7000012050002",
        ),  # full-width, as in Japanese documents
        ("　7000012050002 ", "7000012050002"),  # full-width and ASCII spaces around it
        ("7000012050002", "7000012050002"),
        ("７0000-1205", "700001205"),  # hyphens go too; the check still refuses 9 digits
        ("7000-0120-50002", "7000012050002"),  # grouped with hyphens, as typed
    ],
)
def test_normalize_corporate_number(pasted, normalised):
    assert normalize_corporate_number(pasted) == normalised
