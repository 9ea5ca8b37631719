"""Errors: the HTTP-coded bases, the domain exceptions services raise, and the one mapping.

Services raise domain exceptions named after what went wrong in the program's words
(``TermsOverlap``, ``LimitExceeded``, ``NoticeTooLate`` …). Each subclasses the HTTP-coded
base that says how the API answers it (``NotFound`` 404, ``Conflict`` 409, ``RuleViolation``
422 …), and ``register_error_handlers`` turns every one into a response in one place.
Every error body names the field and the rule:
``{"code": 409, "status": "Conflict", "message": ..., "field": ..., "rule": ..., "errors": {...}}``
"""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from groupcover.rules.limits import Headroom, Limits


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, rule: str, **extra: Any):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.status,
            "status": HTTPStatus(self.status).phrase,
            "message": self.message,
            "field": self.field,
            "rule": self.rule,
            "errors": {self.field or "_schema": [self.message]},
        }
        body.update(self.extra)
        return body


class BadRequest(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404

    def __init__(self, entity: str, ident: Any, *, field: str | None = None):
        super().__init__(f"{entity} {ident} not found", field=field, rule="not_found")


class Conflict(DomainError):
    """409: the request conflicts with current state (overlap, duplicate, limit)."""

    status = 409


class RuleViolation(DomainError):
    """422: well-formed, but breaks a rule of the program."""

    status = 422


class TooManyRequests(DomainError):
    """429: slow down; ``retry_after`` seconds go into the Retry-After header and the body."""

    status = 429


# ---- domain exceptions --------------------------------------------------------------------


class AdminOnly(Forbidden):
    def __init__(self) -> None:
        super().__init__("administrators only", field=None, rule="admin_only")


class MemberOnly(Forbidden):
    """An action only the member company itself takes (an administrator cannot)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field=None, rule="member_only")


class InvalidDomain(RuleViolation):
    def __init__(self, message: str, field: str = "domain") -> None:
        super().__init__(message, field=field, rule="domain_name")


class InvalidCorporateNumber(RuleViolation):
    def __init__(self) -> None:
        super().__init__(
            "corporate_number must be 13 digits whose first digit is the check digit",
            field="corporate_number",
            rule="corporate_number_check_digit",
        )


class VendorAccountTaken(Conflict):
    def __init__(self, account: str, member_id: int) -> None:
        super().__init__(
            f"vendor_account_id {account!r} belongs to another member",
            field="vendor_account_id",
            rule="vendor_account_id_unique",
            member_id=member_id,
        )


class InvalidVendorToken(RuleViolation):
    """A vendor credential that is not printable ASCII (never quoted back)."""

    def __init__(self) -> None:
        super().__init__(
            "the vendor token must be printable ASCII without spaces or control characters",
            field="token",
            rule="vendor_token_printable_ascii",
        )


class TokenMemberMismatch(RuleViolation):
    def __init__(self) -> None:
        super().__init__(
            "a member token needs member_id; an admin token has none",
            field="member_id",
            rule="token_member_id",
        )


class TermEndsBeforeStart(RuleViolation):
    def __init__(self) -> None:
        super().__init__(
            "end_date is before start_date", field="end_date", rule="end_date_not_before_start_date"
        )


class TermsOverlap(Conflict):
    """C1: two terms of one member may not share a day."""

    def __init__(self, other_id: int | None, start: date, end: date) -> None:
        super().__init__(
            f"overlaps term {other_id} ({start}..{end})",
            field="start_date",
            rule="terms_overlap",
            term_id=other_id,
        )


class LastDayOutsideTerm(RuleViolation):
    """A cancellation's last day lies inside the term's current coverage period."""

    def __init__(self, start: date, end: date | None) -> None:
        super().__init__(
            f"last_day must lie inside the term ({start}..{end})",
            field="last_day",
            rule="last_day_inside_term",
        )


class SupplierAlreadyRegistered(Conflict):
    def __init__(self, domain: str, registration_id: int | None) -> None:
        super().__init__(
            f"{domain} already has an active registration ({registration_id})",
            field="domain",
            rule="registration_active",
            registration_id=registration_id,
        )


class RegistrationsOverlap(Conflict):
    def __init__(self, domain: str, until: date | None, registration_id: int | None) -> None:
        super().__init__(
            f"{domain} was registered until {until}; registered_on must be after it",
            field="registered_on",
            rule="registration_overlap",
            registration_id=registration_id,
        )


class RegistrationAlreadyEnded(Conflict):
    def __init__(self, registration_id: int | None, ended_on: date | None) -> None:
        super().__init__(
            f"registration {registration_id} already ended on {ended_on}",
            field="last_day",
            rule="registration_already_ended",
        )


class LastDayBeforeRegistration(RuleViolation):
    def __init__(self, registered_on: date) -> None:
        super().__init__(
            f"last_day is before registered_on ({registered_on})",
            field="last_day",
            rule="last_day_not_before_registered_on",
        )


class LimitsInvalid(RuleViolation):
    """C3: limits are positive whole yen, the per-incident one within the aggregate."""


class EffectiveDateNotFuture(RuleViolation):
    def __init__(self, today: date) -> None:
        super().__init__(
            f"effective_date must be after today ({today})",
            field="effective_date",
            rule="effective_date_in_future",
        )


class NoticeTooLate(RuleViolation):
    """N1: the effective date leaves less than two months' notice and no reason was given."""

    def __init__(self, effective_date: date, earliest: date) -> None:
        super().__init__(
            f"effective_date {effective_date} leaves less than two months' notice (rule N1, "
            f"原則として2か月以上前); the earliest allowed date is {earliest}, or give "
            "override_reason",
            field="effective_date",
            rule="notice_two_months",
            earliest_allowed=earliest.isoformat(),
        )


class CoverageTermsNotAfterLatest(Conflict):
    def __init__(self, latest: date) -> None:
        super().__init__(
            f"a version effective on {latest} exists; a new one must take effect after it",
            field="effective_date",
            rule="coverage_terms_after_latest",
        )


class NotCovered(RuleViolation):
    """Nothing is paid on an incident that is not covered (C1, C2, costs)."""

    def __init__(self, incident_id: int | None, reason: str | None) -> None:
        super().__init__(
            f"incident {incident_id} is not covered ({reason}): nothing can be paid",
            field="incident_id",
            rule="payment_on_covered_incident_only",
        )


class LimitExceeded(Conflict):
    """A payment may not pass approved − deductions, the per-incident or the aggregate limit
    (C3); ``limit`` names which (``approved``, ``per_incident``, ``aggregate``)."""

    def __init__(self, amount_yen: int, limit: str, limits: Limits, headroom: Headroom) -> None:
        what = "approved amount less deductions" if limit == "approved" else "limit"
        extra = {}
        if headroom.approved_remaining is not None:
            extra = {"approved_remaining": headroom.approved_remaining, "payable": headroom.payable}
        super().__init__(
            f"a payment of ¥{amount_yen:,} would pass the {limit.replace('_', '-')} {what}; "
            + (
                f"¥{headroom.approved_remaining:,} remains approved and unpaid, "
                if headroom.approved_remaining is not None
                else ""
            )
            + f"¥{headroom.per_incident_remaining:,} remains on this incident and "
            f"¥{headroom.aggregate_remaining:,} in the member's coverage period",
            field="amount_yen",
            rule=f"{limit}_limit_exceeded",
            limit=limit,
            per_incident_limit=limits.per_incident,
            aggregate_limit=limits.aggregate,
            per_incident_remaining=headroom.per_incident_remaining,
            aggregate_remaining=headroom.aggregate_remaining,
            **extra,
        )


def error_response(status: int, message: str, *, field: str | None, rule: str, **extra: Any):
    err = DomainError(message, field=field, rule=rule, **extra)
    err.status = status
    return jsonify(err.body()), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        response = jsonify(exc.body())
        response.status_code = exc.status
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="groupcover"'
        if "retry_after" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        app.logger.info("integrity error turned into 409: %s", type(exc.orig).__name__)
        return error_response(
            409, "the change conflicts with existing data", field=None, rule="integrity"
        )

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        app.logger.warning("database unavailable or busy: %s", type(exc.orig).__name__)
        return error_response(
            503, "the database is busy or unavailable; try again", field=None, rule="db_busy"
        )

    @app.errorhandler(PoolTimeout)
    def _pool_timeout(exc: PoolTimeout):
        app.logger.warning("no database connection free within DB_POOL_TIMEOUT")
        body, status = error_response(
            503, "the database is busy; try again", field=None, rule="db_busy", retry_after=1
        )
        return body, status, {"Retry-After": "1"}
