"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from groupcover.audit import AuditEntry
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.db import Lease
from groupcover.incidents.models import CostLine, Incident, Payment
from groupcover.jobs import JobState
from groupcover.members.models import Member
from groupcover.notices.models import Notice, NoticeAttempt, NoticeChain, NoticeMessage
from groupcover.program.models import Program
from groupcover.suppliers.models import Registration
from groupcover.sync.models import SyncAccountResult, SyncRun
from groupcover.terms.models import Term
from groupcover.tokens.models import ApiToken, AuthFailure
from groupcover.users.models import SignInLink, SignInRequest, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuthFailure",
    "CostLine",
    "CoverageTerms",
    "Incident",
    "JobState",
    "Lease",
    "Member",
    "Notice",
    "NoticeAttempt",
    "NoticeChain",
    "NoticeMessage",
    "Payment",
    "Program",
    "Registration",
    "SignInLink",
    "SignInRequest",
    "SyncAccountResult",
    "SyncRun",
    "Term",
    "User",
]
