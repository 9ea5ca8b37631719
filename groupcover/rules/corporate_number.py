"""The Japanese corporate number (法人番号): 13 digits, the first a check digit.

The check digit (検査用数字) is 9 − (Σ Pn × Qn mod 9) over the 12-digit base number, where Pn
is the n-th digit counted from the lowest and Qn is 1 for odd n and 2 for even n (法人番号の
指定等に関する省令 第2条).
"""

from __future__ import annotations

import unicodedata


def corporate_number_check_digit(base12: str) -> int:
    """The check digit for a 12-digit base number."""
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError("the base number has 12 digits")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def normalize_corporate_number(value: str) -> str:
    """As pasted from Japanese documents or typed in a spreadsheet: full-width digits (全角数字,
    １２３) become ASCII by NFKC, and spaces (also the full-width 　) and hyphens between digit
    groups go. Anything else is left for the check."""
    text = unicodedata.normalize("NFKC", value).strip()
    return text.replace("-", "").replace(" ", "")


def is_valid_corporate_number(value: str) -> bool:
    """True for 13 ASCII digits whose first digit is the right check digit."""
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        return False
    return int(value[0]) == corporate_number_check_digit(value[1:])
