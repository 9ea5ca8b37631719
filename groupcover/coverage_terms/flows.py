"""Publishing a coverage-terms change: the version and its notices in one transaction.

The orchestration point between the two domains: ``coverage_terms.service`` checks and stores
the version, ``notices.service`` creates and drafts the letters.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from groupcover import db
from groupcover.coverage_terms import service as versions
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.notices import service as notices
from groupcover.rules.notice import earliest_effective_date, is_notice_late


def preview(session: Session, change: versions.Change, today: date) -> dict[str, Any]:
    """What publishing ``change`` today would do, without doing it (a dry run)."""
    due = versions.validate_change(session, change, today)
    members = session.execute(versions.affected_members_query(change.effective_date)).all()
    late = is_notice_late(due, None, today)
    letter = None
    if members:
        drafted = notices.draft_letter(
            session, members[0].id, change.as_version(), change.override_reason if late else None
        )
        letter = {"member_id": members[0].id, "subject": drafted.subject, "body": drafted.body}
    return {
        "today": today,
        "effective_date": change.effective_date,
        "earliest_allowed": earliest_effective_date(today),
        "send_by": due,
        "late": late,
        "members_affected": len(members),
        "notices": [
            {"member_id": m.id, "member_name": m.name, "send_by": due, "late": late}
            for m in members
        ],
        "letter": letter,
    }


def publish(session: Session, change: versions.Change, today: date) -> tuple[CoverageTerms, int]:
    """Publish a version and create its notices in one transaction; return both."""
    if db.is_postgres(session):
        # Serialises publications, and term writes against this one: a term committed while
        # we publish is either seen by create_for_version, or its terms.flows.create_term sees
        # this version. (SQLite's BEGIN IMMEDIATE serialises all writers already.)
        session.execute(text("LOCK TABLE term IN SHARE ROW EXCLUSIVE MODE"))
    due = versions.validate_change(session, change, today)
    version = versions.add_version(session, change, today)
    created = notices.create_for_version(session, version, due, today)
    versions.record_publication(session, version, created)
    return version, created
