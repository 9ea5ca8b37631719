"""The audit trail: who changed what, when. ``audit.record`` is what services call."""

from groupcover.audit.models import AuditEntry
from groupcover.audit.service import (
    current_actor,
    entries_query,
    record,
    record_many,
    record_read,
    snapshot,
)

__all__ = [
    "AuditEntry",
    "current_actor",
    "entries_query",
    "record",
    "record_many",
    "record_read",
    "snapshot",
]
