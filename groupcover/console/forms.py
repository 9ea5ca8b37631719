"""The console's forms (Flask-WTF): every POST form carries its CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from groupcover.console.choices import options
from groupcover.rules.costs import Cause

MAX_YEN = 100_000_000_000


class SearchForm(FlaskForm):
    """GET forms change nothing: no CSRF token."""

    class Meta:
        csrf = False


class ActionForm(FlaskForm):
    """A button that changes something (sign out, deactivate, run now): only the token."""


class SignInForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    submit = SubmitField(_l("Email me a sign-in link"))


class MemberForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    contact_email = StringField(_l("Contact email"), validators=[DataRequired(), Length(max=320)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    corporate_number = StringField(
        _l("Corporate number (13 digits)"), validators=[Optional(), Length(min=13, max=13)]
    )
    vendor_account_id = StringField(
        _l("Vendor account ID"), validators=[Optional(), Length(max=100)]
    )
    submit = SubmitField(_l("Enrol"))


class TermForm(FlaskForm):
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    submit = SubmitField(_l("Add term"))


class CancelTermForm(FlaskForm):
    last_day = DateField(_l("Last day"), validators=[InputRequired()])
    submit = SubmitField(_l("Cancel term"))


class SupplierForm(FlaskForm):
    domain = StringField(_l("Domain"), validators=[DataRequired(), Length(max=253)])
    name = StringField(_l("Supplier name"), validators=[DataRequired(), Length(max=300)])
    registered_on = DateField(_l("Registered on"), validators=[InputRequired()])
    submit = SubmitField(_l("Register supplier"))


class DeregisterForm(FlaskForm):
    last_day = DateField(_l("Last day"), validators=[InputRequired()])
    submit = SubmitField(_l("Deregister"))


class CredentialForm(FlaskForm):
    token = PasswordField(_l("Vendor API token"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Save credential"))


class CoverageForm(SearchForm):
    domain = StringField(_l("Supplier domain"), validators=[DataRequired(), Length(max=253)])
    on = DateField(_l("Date"), validators=[Optional()])
    submit = SubmitField(_l("Look up"))


class CoverageChangeForm(FlaskForm):
    effective_date = DateField(_l("Effective date"), validators=[InputRequired()])
    per_incident_limit = IntegerField(
        _l("Per-incident limit (yen)"), validators=[InputRequired(), NumberRange(1, MAX_YEN)]
    )
    aggregate_limit = IntegerField(
        _l("Aggregate limit per coverage period (yen)"),
        validators=[InputRequired(), NumberRange(1, MAX_YEN)],
    )
    summary_ja = TextAreaField(_l("Summary (Japanese)"), validators=[DataRequired()])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[DataRequired()])
    override_reason = TextAreaField(
        _l("Reason for less than two months' notice"), validators=[Optional(), Length(max=1000)]
    )
    preview = SubmitField(_l("Preview"))
    publish = SubmitField(_l("Publish"))


class AcknowledgeForm(FlaskForm):
    acknowledge = SubmitField(_l("Acknowledge receipt"))


CAUSE_CHOICES = options(
    [
        (Cause.LEAK.value, _l("Leak of electronic data, or the risk of it")),
        (Cause.CONTENT.value, _l("Content of information published on the internet")),
        (Cause.ATTACK.value, _l("Cyber attack")),
        (Cause.OTHER_IT.value, _l("Other IT incident")),
        (Cause.SUSPECTED_ATTACK.value, _l("Suspected cyber attack")),
    ]
)


class IncidentForm(FlaskForm):
    member_id = SelectField(_l("Member company"), coerce=int, validators=[InputRequired()])
    registration_id = SelectField(_l("Insured"), coerce=int, validators=[Optional()])
    occurred_on = DateField(_l("Date of the incident"), validators=[InputRequired()])
    occurred_at = TimeField(_l("Time (if known)"), validators=[Optional()])
    discovered_on = DateField(_l("Date discovered"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=500)])
    circumstances = TextAreaField(
        _l("Circumstances"), validators=[DataRequired(), Length(max=20000)]
    )
    cause = SelectField(_l("Cause"), choices=CAUSE_CHOICES, validators=[DataRequired()])
    victims = TextAreaField(
        _l("Victims (one per line: name, address)"), validators=[Optional(), Length(max=200000)]
    )
    submit = SubmitField(_l("Report incident"))


class UserForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=options([("admin", _l("Administrator")), ("member", _l("Member company"))]),
        validators=[DataRequired()],
    )
    member_id = SelectField(_l("Member company"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Invite"))


IMPORT_KINDS = options(
    [
        ("members", _l("Member companies")),
        ("terms", _l("Subscription terms")),
        ("suppliers", _l("Registered suppliers")),
    ]
)
IMPORT_ENCODINGS = options(
    [
        ("", _l("Detect (UTF-8 or Shift_JIS)")),
        ("utf-8", _l("UTF-8 (Excel: CSV UTF-8)")),
        ("cp932", _l("Shift_JIS / CP932 (Excel: CSV, comma delimited)")),
    ]
)


class ImportForm(FlaskForm):
    """The upload: its answer is a dry run (the preview), never a write."""

    kind = SelectField(_l("What the file holds"), choices=IMPORT_KINDS, validators=[DataRequired()])
    encoding = SelectField(_l("Encoding"), choices=IMPORT_ENCODINGS, validators=[Optional()])
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    preview = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    """The confirmation: the previewed file as it was, signed (``console.uploads``)."""

    payload = HiddenField(validators=[DataRequired()])
    ticket = HiddenField(validators=[DataRequired()])
    confirm = SubmitField(_l("Import"))


class ResendForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
    resend = SubmitField(_l("Resend"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawing"), validators=[DataRequired(), Length(max=2000)]
    )
    withdraw = SubmitField(_l("Withdraw this change"))
