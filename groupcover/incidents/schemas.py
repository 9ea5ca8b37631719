"""What crosses the wire for incidents, cost lines, payments and the claim checklist."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.fields import Id, IdFilter, LocalTime, Yen
from groupcover.rules.claims import CLAIM_DOCUMENT_CODES, Decision, ExtensionReason, Status
from groupcover.rules.costs import DUTIES, EXCLUSIONS, Category, Cause, Group


class VictimSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    address = fields.String(required=True, validate=validate.Length(0, 500))


class IncidentCreateSchema(Schema):
    member_id = Id(required=True, entity="member")
    registration_id = Id(
        entity="registration",
        allow_none=True,
        metadata={"description": "the registered supplier that is the insured; absent: the member"},
    )
    occurred_on = fields.Date(required=True)
    occurred_at = LocalTime(
        allow_none=True, metadata={"description": "time of day, program time zone, when known"}
    )
    discovered_on = fields.Date(required=True)
    known_on = fields.Date(
        allow_none=True,
        metadata={"description": "day the insured first knew of the situation (exclusion ⑩)"},
    )
    place = fields.String(required=True, validate=validate.Length(1, 500))
    circumstances = fields.String(required=True, validate=validate.Length(1, 20000))
    cause = fields.String(
        required=True,
        validate=validate.OneOf([c.value for c in Cause]),
        metadata={
            "description": "the event (事由): leak ①, content ②ア, attack ②イ, other_it ②ウ, "
            "suspected_attack ②イのおそれ. Regulatory costs are a cost group, not a cause."
        },
    )
    victims = fields.List(
        fields.Nested(VictimSchema),
        required=True,
        validate=validate.Length(max=10000),
        metadata={"description": "up to 10,000 here; larger lists by PUT /victims as CSV"},
    )


class IncidentPatchSchema(Schema):
    cause = fields.String(
        required=True,
        metadata={
            "description": '"attack" on a suspected attack: the attack is confirmed on the '
            "same incident (its lines stay; group other opens; suspected エ/シ/ス close)"
        },
    )


class DocumentStatusSchema(Schema):
    code = fields.String(dump_only=True)
    name_ja = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    requested = fields.Boolean(dump_only=True)
    received_on = fields.Date(dump_only=True, allow_none=True)


class DocumentUpdateSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(CLAIM_DOCUMENT_CODES))
    requested = fields.Boolean()
    received_on = fields.Date(allow_none=True)


class DocumentsUpdateSchema(Schema):
    documents = fields.List(
        fields.Nested(DocumentUpdateSchema), required=True, validate=validate.Length(1, 4)
    )


class IncidentSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    registration_id = fields.Integer(allow_none=True)
    term_id = fields.Integer(allow_none=True)
    occurred_on = fields.Date()
    occurred_at = fields.Time(allow_none=True)
    discovered_on = fields.Date()
    known_on = fields.Date(allow_none=True)
    place = fields.String()
    circumstances = fields.String()
    cause = fields.String()
    confirmed_on = fields.Date(
        allow_none=True, metadata={"description": "a suspected attack confirmed as an attack"}
    )
    covered = fields.Boolean()
    reason = fields.String(allow_none=True)
    reason_text = fields.String(allow_none=True)
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    pay_by = fields.Date(allow_none=True)
    pay_by_extension_reason = fields.String(
        allow_none=True, metadata={"description": "why pay_by is later than the 30 days"}
    )
    extension_detail = fields.String(allow_none=True)
    status = fields.String(
        metadata={"description": "reported, claim_complete, accepted, declined or paid"}
    )
    decision = fields.String(allow_none=True)
    exclusion = fields.String(allow_none=True, metadata={"description": "§4 ①–⑲ as 1…19"})
    exclusion_name_ja = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    decision_note = fields.String(
        allow_none=True, metadata={"description": "internal: administrators only"}
    )
    claimed_yen = fields.Integer()
    approved_yen = fields.Integer()
    deducted_yen = fields.Integer()
    paid_yen = fields.Integer(metadata={"description": "net of reversed payments"})
    outstanding_yen = fields.Integer(metadata={"description": "approved − deducted − paid"})
    victims_count = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class IncidentDetailSchema(IncidentSchema):
    documents = fields.List(fields.Nested(DocumentStatusSchema))


class IncidentQuerySchema(Schema):
    member_id = IdFilter()
    covered = fields.Boolean()
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))


class OverdueQuerySchema(Schema):
    on = fields.Date(metadata={"description": "the day to judge against; default today"})


class ApprovalNoteSchema(Schema):
    code = fields.String()
    ja = fields.String()
    en = fields.String()


_APPROVAL_NOTES = (
    "The seed's cost-table notes apply where amounts are approved: ransom (脅迫金) is never a "
    "cost; recurrence prevention covers one-off costs only; portable devices are not system "
    "repair; condolence gifts are tangible goods. Each line lists its own in approval_notes."
)


class CostLineSchema(Schema):
    id = fields.Integer(dump_only=True)
    incident_id = fields.Integer(dump_only=True)
    group = fields.String(
        validate=validate.OneOf([g.value for g in Group]),
        metadata={
            "description": "cost group of seed 004 §3: leak, other, suspected_attack, "
            "regulatory; default the cause's own; regulatory on any incident"
        },
    )
    group_name_ja = fields.String(dump_only=True)
    category = fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={
            "description": "one of "
            + ", ".join(c.value for c in Category)
            + "; allowed per group by seed 004 §3 (else 422)"
        },
    )
    category_name_ja = fields.String(dump_only=True)
    item = fields.String(
        allow_none=True,
        validate=validate.Length(1, 2),
        metadata={"description": "the seed's katakana item letter, e.g. エ"},
    )
    amount_yen = Yen(
        minimum=1,
        metadata={"description": "claimed; may be left out when persons and unit_yen are given"},
    )
    persons = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=100_000_000),
        metadata={"description": "individual_condolence: how many people (amount = × unit_yen)"},
    )
    unit_yen = Yen(
        minimum=1,
        allow_none=True,
        metadata={"description": "individual_condolence: yen per person"},
    )
    approved_yen = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": _APPROVAL_NOTES}
    )
    approval_notes = fields.List(fields.Nested(ApprovalNoteSchema), dump_only=True)
    incurred_on = fields.Date(required=True)
    description = fields.String(required=True, validate=validate.Length(1, 1000))
    created_at = fields.AwareDateTime(dump_only=True)


class ApprovalSchema(Schema):
    approved_yen = Yen(
        required=True,
        minimum=None,
        metadata={"description": "0 ≤ approved ≤ claimed. " + _APPROVAL_NOTES},
    )


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in Decision]))
    exclusion = fields.String(
        allow_none=True,
        validate=validate.OneOf(list(EXCLUSIONS)),
        metadata={"description": 'declined: the seed 004 §4 exclusion, "1"…"19" (①–⑲)'},
    )
    note = fields.String(
        allow_none=True,
        validate=validate.Length(1, 5000),
        metadata={"description": "internal note; members never see it"},
    )


class DeductionSchema(Schema):
    id = fields.Integer(dump_only=True)
    incident_id = fields.Integer(dump_only=True)
    amount_yen = Yen(required=True, minimum=1)
    duty = fields.String(
        required=True,
        validate=validate.OneOf(list(DUTIES)),
        metadata={"description": 'the §5 duty not kept, "1"…"7" (①–⑦)'},
    )
    reason = fields.String(required=True, validate=validate.Length(1, 1000))
    created_at = fields.AwareDateTime(dump_only=True)


class ReversalSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class EventSchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime(metadata={"description": "when it was recorded"})
    on = fields.Date(allow_none=True, metadata={"description": "the day the event states"})
    kind = fields.String(
        metadata={
            "description": "reported, cost, approval, decision, deduction, documents, "
            "claim_complete, pay_by_extended, payment, payment_reversed, attack_confirmed, "
            "victims"
        }
    )
    actor = fields.String(metadata={"description": "who caused it"})
    amount_yen = fields.Integer(allow_none=True)
    detail = fields.Dict()
    note = fields.String(allow_none=True, metadata={"description": "internal: administrators"})


class ClaimCompleteSchema(Schema):
    completed_on = fields.Date(required=True)
    extended_pay_by = fields.Date(
        metadata={
            "description": "a later deadline where public investigations are needed "
            "(seed 004 §6① ただし書); needs extension_reason"
        }
    )
    extension_reason = fields.String(
        validate=validate.OneOf([r.value for r in ExtensionReason]),
        metadata={"description": "why the 30 days are not enough; needed with extended_pay_by"},
    )
    extension_detail = fields.String(
        validate=validate.Length(1, 1000),
        metadata={"description": "what must be confirmed, in the member's letter"},
    )


class PaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    incident_id = fields.Integer(dump_only=True)
    term_id = fields.Integer(dump_only=True)
    amount_yen = Yen(required=True, minimum=1)
    paid_on = fields.Date(required=True)
    reversed_on = fields.Date(dump_only=True, allow_none=True)
    reversal_reason = fields.String(dump_only=True, allow_none=True)
    approved_remaining = fields.Integer(dump_only=True)
    per_incident_remaining = fields.Integer(dump_only=True)
    aggregate_remaining = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
