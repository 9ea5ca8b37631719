"""From a vendor supplier record to the fields of a registration (登録企業).

Pure: no HTTP, no SQL, no clock. A registration is keyed by (member, vendor supplier id); the
supplier's identity across members is its normalised domain; the day it starts counting is
the creation day (``insert_ts``) in the program's time zone; REJECTED and ARCHIVED mean the
member no longer registers it, from the day the approval last changed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from groupcover.rules.domains import normalise_domain

REMOVED_STATUSES = frozenset({"REJECTED", "ARCHIVED"})


class UnmappableSupplier(ValueError):
    """A record that cannot become a registration (no usable domain, no creation time)."""

    def __init__(self, vendor_supplier_id: str, reason: str) -> None:
        super().__init__(f"supplier {vendor_supplier_id}: {reason}")
        self.vendor_supplier_id = vendor_supplier_id
        self.reason = reason


class VendorSupplier(NamedTuple):
    """What one vendor record says about one registration.

    A named tuple, not a frozen dataclass: a run builds 100,000 of them, and a frozen
    dataclass's ``__init__`` costs three times as much."""

    vendor_supplier_id: str
    name: str
    domain: str
    registered_on: date
    removed: bool
    removed_on: date | None


def map_supplier(record: Mapping[str, Any], tz: ZoneInfo) -> VendorSupplier:
    """Map one record of ``GET /v2/suppliers``; unknown fields are ignored.

    Raises :class:`UnmappableSupplier` when the record has no id, no usable domain or no
    readable ``insert_ts``.
    """
    supplier_id = record.get("id")
    if not isinstance(supplier_id, str):
        if not isinstance(supplier_id, int):
            raise UnmappableSupplier("?", "no id")
        supplier_id = str(supplier_id)
    if not supplier_id:
        raise UnmappableSupplier("?", "no id")
    domain = supplier_domain(record)
    if domain is None:
        raise UnmappableSupplier(supplier_id, "no valid primary_domain or asset")
    registered_on = _local_date(record.get("insert_ts"), tz)
    if registered_on is None:
        raise UnmappableSupplier(supplier_id, "insert_ts missing or not ISO 8601")
    approval = record.get("approval")
    approval = approval if isinstance(approval, dict) else {}
    removed = approval.get("status") in REMOVED_STATUSES
    name = record.get("name")
    name = name.strip() if isinstance(name, str) else ""
    return VendorSupplier(
        supplier_id,
        name or domain,
        domain,
        registered_on,
        removed,
        _local_date(approval.get("update_ts"), tz) if removed else None,
    )


def supplier_domain(record: Mapping[str, Any]) -> str | None:
    """``primary_domain`` when it is a domain, else the first asset that is one.

    Assets may also hold IP addresses, ranges or junk; skipping those keeps one odd asset from
    making the supplier unmappable.
    """
    domain = _domain(record.get("primary_domain"))
    if domain is None:
        assets = record.get("assets")
        for candidate in assets if isinstance(assets, list) else ():
            domain = _domain(candidate)
            if domain is not None:
                break
    return domain


def _domain(candidate: Any) -> str | None:
    if isinstance(candidate, str) and not _is_ip(candidate):
        try:
            return normalise_domain(candidate)
        except ValueError:
            return None
    return None


def _is_ip(value: str) -> bool:
    value = value.strip()
    if not (value[:1].isdigit() or (":" in value and "://" not in value)):
        return False  # neither IPv4 nor IPv6 (a URL is not an address): skip the slow parse
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return True


def _local_date(value: Any, tz: ZoneInfo) -> date | None:
    """The calendar day of an ISO 8601 instant in ``tz``; a naive instant is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()
