"""The services' ``field``/``rule`` become sentences in the reader's language, shown next to
the field they name (or above the form when the field is not on it)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from groupcover.console.claim_messages import claim_sentences
from groupcover.errors import DomainError


def sentence(exc: DomainError) -> str:
    """One sentence for the error; the rule decides the wording, the extras fill it in."""
    extra = exc.extra
    rules = {
        "required": lambda: _("This field is required."),
        "email": lambda: _("Enter an email address such as name@example.co.jp."),
        "email_unique": lambda: _("A user with this email already exists."),
        "user_member_id": lambda: _(
            "A member company user needs a member company; an administrator has none."
        ),
        "not_found": lambda: _("Not found."),
        "corporate_number_check_digit": lambda: _(
            "The corporate number must be 13 digits with a correct check digit."
        ),
        "vendor_account_id_unique": lambda: _(
            "This vendor account ID belongs to another member company."
        ),
        "end_date_not_before_start_date": lambda: _("The end date is before the start date."),
        "terms_overlap": lambda: _("This term overlaps another term of the member company."),
        "last_day_inside_term": lambda: _("The last day must lie inside the term."),
        "domain_name": lambda: _("Enter a domain name such as example.co.jp."),
        "registration_active": lambda: _("This domain is already registered and active."),
        "registration_overlap": lambda: _(
            "This domain was registered over that period; choose a later date."
        ),
        "registration_already_ended": lambda: _("This registration has already ended."),
        "last_day_not_before_registered_on": lambda: _(
            "The last day is before the registration date."
        ),
        "limits_positive": lambda: _("Enter a positive amount of yen."),
        "per_incident_within_aggregate": lambda: _(
            "The per-incident limit cannot exceed the aggregate limit."
        ),
        "effective_date_in_future": lambda: _("The effective date must be after today."),
        "notice_two_months": lambda: _(
            "Members must be told at least two months ahead: the earliest date is %(date)s, "
            "or give the reason for the shorter notice.",
            date=extra.get("earliest_allowed", ""),
        ),
        "coverage_terms_after_latest": lambda: _(
            "A later version is already published; the new one must take effect after it."
        ),
        "sign_in_throttled": lambda: _(
            "Too many sign-in requests. Please wait a few minutes and try again."
        ),
        "registration_of_member": lambda: _("This supplier is not registered by the member."),
        "resend_failed_or_sent": lambda: _(
            "Only a notice that was sent or that failed can be resent; this one is %(status)s.",
            status={"pending": _("Pending"), "cancelled": _("Cancelled")}.get(
                extra.get("current_status", ""), extra.get("current_status", "")
            ),
        ),
        "coverage_terms_withdrawn": lambda: _("This change of the coverage terms was withdrawn."),
        "coverage_terms_in_force": lambda: _(
            "This change is in force since %(date)s: only a change not yet in force can be "
            "withdrawn.",
            date=extra.get("effective_date", ""),
        ),
        "integrity": lambda: _("The change conflicts with existing data."),
    }
    rules.update(claim_sentences(extra))
    make = rules.get(exc.rule)
    if make is not None:
        return make()
    return _("This value is not accepted: %(detail)s", detail=exc.message)


def attach(form: FlaskForm, exc: DomainError) -> None:
    """Put the error next to its field, or in the form's own errors."""
    field = getattr(form, exc.field, None) if exc.field else None
    message = sentence(exc)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), message]
    else:
        form.form_errors.append(message)
