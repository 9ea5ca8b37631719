"""Vendor records → registration fields, on recorded answers of ``GET /v2/suppliers``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from groupcover.sync.mapping import UnmappableSupplier, VendorSupplier, map_supplier

FIXTURES = Path(__file__).parent.parent / "fixtures" / "panorays"
TOKYO = ZoneInfo("Asia/Tokyo")


def records(name: str) -> list[dict[str, Any]]:
    """The supplier records of a recorded answer, whichever envelope it came in."""
    body = json.loads((FIXTURES / name).read_text())
    return body if isinstance(body, list) else body["data"]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "envelope_page1.json",
            [
                # 15:30Z on 31 March is 00:30 on 1 April in Tokyo; scheme, www., case dropped.
                VendorSupplier(
                    "5f9a1c2e8b3d4a0012ab34cd",
                    "Kobayashi Logistics",
                    "kobayashi-logi.co.jp",
                    date(2025, 4, 1),
                    False,
                    None,
                ),
                # No primary_domain: the first asset that is a domain, without port and path.
                VendorSupplier(
                    "5f9a1c2e8b3d4a0012ab34ce",
                    "Sakura Payments",
                    "pay.sakura.example",
                    date(2024, 12, 31),
                    False,
                    None,
                ),
            ],
        ),
        (
            "envelope_last.json",
            [
                # REJECTED: removed on the Tokyo day of approval.update_ts; trailing dot dropped.
                VendorSupplier(
                    "5f9a1c2e8b3d4a0012ab34cf",
                    "Umeda Printing",
                    "umeda-print.jp",
                    date(2023, 7, 1),
                    True,
                    date(2026, 3, 1),
                ),
                # ARCHIVED without update_ts: removed, day unknown (the run decides).
                VendorSupplier(
                    "5f9a1c2e8b3d4a0012ab34d0",
                    "Old Vendor",
                    "old-vendor.example",
                    date(2022, 1, 10),
                    True,
                    None,
                ),
            ],
        ),
        (
            "bare_array.json",
            [
                VendorSupplier(
                    "a1", "Nishi Cloud", "nishi-cloud.example", date(2026, 1, 15), False, None
                ),
                # A naive insert_ts is read as UTC: midnight UTC is 09:00 in Tokyo.
                VendorSupplier(
                    "a2", "Higashi Data", "higashi-data.example", date(2026, 1, 16), False, None
                ),
            ],
        ),
        (
            "unknown_fields.json",
            [
                VendorSupplier(
                    "90210",
                    "Future Fields KK",
                    "future-fields.example",
                    date(2025, 8, 1),
                    False,
                    None,
                )
            ],
        ),
    ],
)
def test_recorded_answers_map(fixture: str, expected: list[VendorSupplier]) -> None:
    assert [map_supplier(record, TOKYO) for record in records(fixture)] == expected


@pytest.mark.parametrize(
    ("index", "reason"),
    [(0, "no valid primary_domain"), (1, "insert_ts"), (2, "insert_ts"), (3, "no id")],
)
def test_unmappable_records_say_why(index: int, reason: str) -> None:
    with pytest.raises(UnmappableSupplier, match=reason):
        map_supplier(records("unmappable.json")[index], TOKYO)


@pytest.mark.parametrize(
    ("insert_ts", "zone", "registered_on"),
    [
        ("2026-03-31T14:59:59Z", "Asia/Tokyo", date(2026, 3, 31)),
        ("2026-03-31T15:00:00Z", "Asia/Tokyo", date(2026, 4, 1)),
        ("2028-02-28T15:00:00Z", "Asia/Tokyo", date(2028, 2, 29)),
        ("2026-12-31T15:00:00Z", "Asia/Tokyo", date(2027, 1, 1)),
        ("2026-03-31T15:00:00Z", "UTC", date(2026, 3, 31)),
        ("2026-04-01T00:30:00+09:00", "UTC", date(2026, 3, 31)),
    ],
)
def test_registered_on_is_the_day_in_the_program_zone(
    insert_ts: str, zone: str, registered_on: date
) -> None:
    record = {"id": "x", "name": "X", "primary_domain": "x.example", "insert_ts": insert_ts}
    assert map_supplier(record, ZoneInfo(zone)).registered_on == registered_on


@pytest.mark.parametrize(
    ("primary_domain", "assets", "domain"),
    [
        ("Example.COM", [], "example.com"),
        ("https://www.example.com/path?q=1#x", [], "example.com"),
        ("http://user@shop.example.com:8080", [], "shop.example.com"),
        ("example.com.", [], "example.com"),
        ("www2.example.com", [], "www2.example.com"),
        (None, ["10.0.0.0/8", "WWW.Second.example"], "second.example"),
        ("not a domain", ["fallback.example"], "fallback.example"),
        ("例え.jp", [], "xn--r8jz45g.jp"),
    ],
)
def test_domain_is_normalised(primary_domain: str | None, assets: list[str], domain: str) -> None:
    record = {"id": "x", "name": "X", "assets": assets, "insert_ts": "2026-01-01T00:00:00Z"}
    if primary_domain is not None:
        record["primary_domain"] = primary_domain
    assert map_supplier(record, TOKYO).domain == domain


@pytest.mark.parametrize(
    ("status", "removed"),
    [
        ("PENDING", False),
        ("APPROVED", False),
        ("CONTINGENT", False),
        ("RE_EVALUATION", False),
        ("REJECTED", True),
        ("ARCHIVED", True),
        ("SOMETHING_NEW", False),
    ],
)
def test_only_rejected_and_archived_remove(status: str, removed: bool) -> None:
    record = {
        "id": "x",
        "name": "X",
        "primary_domain": "x.example",
        "insert_ts": "2026-01-01T00:00:00Z",
        "approval": {"status": status, "update_ts": "2026-02-01T00:00:00Z"},
    }
    mapped = map_supplier(record, TOKYO)
    assert (mapped.removed, mapped.removed_on) == (
        (True, date(2026, 2, 1)) if removed else (False, None)
    )


def test_missing_name_falls_back_to_the_domain() -> None:
    record = {"id": "x", "primary_domain": "x.example", "insert_ts": "2026-01-01T00:00:00Z"}
    assert map_supplier(record, TOKYO).name == "x.example"
