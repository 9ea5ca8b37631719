"""The claim's forms (seed 004 §3–§6): costs, approvals, the decision, deductions, documents,
completion, payments and reversals. Labels of the seed's own lists (exclusions ①–⑲, duties
①–⑦) keep the seed's Japanese wording in both languages; the rest goes through Babel."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from groupcover.console.choices import options
from groupcover.console.forms import MAX_YEN
from groupcover.rules import claims as claim_rules
from groupcover.rules import costs as cost_rules
from groupcover.rules.claims import ExtensionReason
from groupcover.rules.costs import Category, Group

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲"

GROUP_LABELS = {
    Group.LEAK: _l("Event ①: data leak or its threat"),
    Group.OTHER: _l("Event ②: other events"),
    Group.SUSPECTED_ATTACK: _l("Suspected cyber attack (②イ)"),
    Group.REGULATORY: _l("Regulatory procedures"),
}

CATEGORY_LABELS = {
    Category.CERTIFICATION: _l("Certification"),
    Category.INDIVIDUAL_CONDOLENCE: _l("Individual condolence"),
    Category.CORPORATE_CONDOLENCE: _l("Corporate condolence"),
    Category.MISUSE_MONITORING: _l("Misuse monitoring"),
    Category.INCIDENT_RESPONSE: _l("Incident response"),
    Category.RECURRENCE_PREVENTION: _l("Recurrence prevention"),
    Category.DATA_RECOVERY: _l("Data recovery"),
    Category.SYSTEM_REPAIR: _l("System repair"),
    Category.CORPORATE_APOLOGY: _l("Corporate apology"),
    Category.INVESTIGATION: _l("Investigation"),
    Category.ISOLATION: _l("Isolation and cut-off"),
    Category.INVESTIGATION_REPORTING: _l("Investigation and reporting"),
    Category.LEGAL_ACTION: _l("Legal action"),
    Category.PREVENTION_PLANNING: _l("Prevention planning"),
}

EXTENSION_LABELS = {
    ExtensionReason.PUBLIC_INQUIRY: _l("Investigation by public authorities"),
    ExtensionReason.EXPERT_APPRAISAL: _l("Appraisal by experts"),
    ExtensionReason.DISASTER_AREA: _l("Inquiries in a disaster area"),
    ExtensionReason.OVERSEAS: _l("Inquiries outside Japan"),
    ExtensionReason.OTHER: _l("Other facts to confirm"),
}

EXCLUSION_CHOICES = options(
    [("", "—")]
    + [
        (number, f"{CIRCLED[int(number) - 1]} {name}")
        for number, name in cost_rules.EXCLUSIONS.items()
    ]
)
DUTY_CHOICES = options(
    (number, f"{CIRCLED[int(number) - 1]} {name}") for number, name in cost_rules.DUTIES.items()
)
ITEM_CHOICES = options([("", "—")] + [(i, i) for i in "アイウエオカキクケコサシスセソ"])
DOCUMENT_FIELDS = {code: f"doc{n}" for n, code in enumerate(claim_rules.CLAIM_DOCUMENT_CODES, 1)}
"""The §5⑦ checklist codes (ア–エ) as field-name prefixes (doc1…doc4)."""


def cost_choices(groups: tuple[Group, ...]) -> list[SelectChoice]:
    """The categories an incident may claim, ``group/category``, in one ``<optgroup>`` per cost
    group (the options of a group stay together, in the groups' order)."""
    return [
        SelectChoice(f"{g.value}/{c.value}", str(CATEGORY_LABELS[c]), optgroup=str(GROUP_LABELS[g]))
        for g in groups
        for c in cost_rules.allowed_categories(g)
    ]


class _ClaimForm(FlaskForm):
    """Several forms share one page, so each gets a prefix (``payment-amount_yen``): every
    field's name and id is unique on the page. Per-row forms pass their own prefix."""

    default_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.default_prefix)
        super().__init__(*args, **kwargs)


class CostForm(_ClaimForm):
    default_prefix = "cost-"

    category = SelectField(_l("Cost group and category"), validators=[DataRequired()])
    item = SelectField(_l("Item (ア–ソ), if any"), choices=ITEM_CHOICES, validators=[Optional()])
    amount_yen = IntegerField(
        _l("Amount claimed (yen)"), validators=[Optional(), NumberRange(1, MAX_YEN)]
    )
    persons = IntegerField(
        _l("Persons (individual condolence)"), validators=[Optional(), NumberRange(1, 100_000_000)]
    )
    unit_yen = IntegerField(
        _l("Yen per person (individual condolence)"),
        validators=[Optional(), NumberRange(1, MAX_YEN)],
    )
    incurred_on = DateField(_l("Incurred on"), validators=[InputRequired()])
    description = StringField(_l("Description"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Add cost"))


class ApprovalForm(_ClaimForm):
    """One per cost line (``prefix=f"line{id}-"``), so each row's field has its own id."""

    approved_yen = IntegerField(
        _l("Approved (yen)"), validators=[InputRequired(), NumberRange(0, MAX_YEN)]
    )
    approve = SubmitField(_l("Approve"))


class DecisionForm(_ClaimForm):
    default_prefix = "decision-"

    decision = SelectField(
        _l("Decision"),
        choices=options(
            [
                (claim_rules.Decision.ACCEPTED.value, _l("Accept (pay)")),
                (claim_rules.Decision.DECLINED.value, _l("Decline")),
            ]
        ),
        validators=[DataRequired()],
    )
    exclusion = SelectField(
        _l("Exclusion (when declining)"), choices=EXCLUSION_CHOICES, validators=[Optional()]
    )
    note = TextAreaField(_l("Internal note"), validators=[Optional(), Length(max=5000)])
    decide = SubmitField(_l("Record the decision"))


class DeductionForm(_ClaimForm):
    default_prefix = "deduction-"

    duty = SelectField(_l("Duty not kept (§5)"), choices=DUTY_CHOICES, validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    amount_yen = IntegerField(
        _l("Amount deducted (yen)"), validators=[InputRequired(), NumberRange(1, MAX_YEN)]
    )
    deduct = SubmitField(_l("Add deduction"))


class DocumentsForm(_ClaimForm):
    """The §5⑦ checklist: per document, requested by the insurer and the day it arrived."""

    default_prefix = "documents-"

    doc1_requested = BooleanField(_l("Requested"))
    doc1_received_on = DateField(_l("Received on"), validators=[Optional()])
    doc2_requested = BooleanField(_l("Requested"))
    doc2_received_on = DateField(_l("Received on"), validators=[Optional()])
    doc3_requested = BooleanField(_l("Requested"))
    doc3_received_on = DateField(_l("Received on"), validators=[Optional()])
    doc4_requested = BooleanField(_l("Requested"))
    doc4_received_on = DateField(_l("Received on"), validators=[Optional()])
    save_documents = SubmitField(_l("Save the checklist"))


class ClaimCompleteForm(_ClaimForm):
    default_prefix = "complete-"

    completed_on = DateField(_l("Claim complete on"), validators=[InputRequired()])
    extended_pay_by = DateField(_l("Extended pay-by date"), validators=[Optional()])
    extension_reason = SelectField(
        _l("Reason for the extension"),
        choices=options([("", "—")] + [(r.value, label) for r, label in EXTENSION_LABELS.items()]),
        validators=[Optional()],
    )
    extension_detail = StringField(
        _l("What must be confirmed (for the letter)"), validators=[Optional(), Length(max=1000)]
    )
    complete = SubmitField(_l("Record"))


class PaymentForm(_ClaimForm):
    default_prefix = "payment-"

    amount_yen = IntegerField(
        _l("Amount paid (yen)"), validators=[InputRequired(), NumberRange(1, MAX_YEN)]
    )
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    pay = SubmitField(_l("Record payment"))


class ReversalForm(_ClaimForm):
    """One per payment (``prefix=f"reverse{id}-"``)."""

    reason = StringField(
        _l("Reason for the reversal"), validators=[DataRequired(), Length(max=1000)]
    )
    reverse = SubmitField(_l("Reverse"))


class ConfirmAttackForm(_ClaimForm):
    default_prefix = "confirm-"

    confirm_attack = SubmitField(_l("Confirm: an attack happened"))
