"""What crosses the wire for incidents, cost lines, payments and the claim checklist."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.fields import Id, IdFilter, LocalTime, Yen
from groupcover.rules.costs import CLAIM_DOCUMENT_CODES, Category, Cause


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
    cause = fields.String(required=True, validate=validate.OneOf([c.value for c in Cause]))
    attack_occurred = fields.Boolean(
        load_default=False,
        metadata={"description": "for suspected_attack: an attack actually happened"},
    )
    victims = fields.List(
        fields.Nested(VictimSchema), required=True, validate=validate.Length(max=10000)
    )


class IncidentPatchSchema(Schema):
    attack_occurred = fields.Boolean(required=True)


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
    attack_occurred = fields.Boolean()
    covered = fields.Boolean()
    reason = fields.String(allow_none=True)
    reason_text = fields.String(allow_none=True)
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    pay_by = fields.Date(allow_none=True)
    pay_by_extension_reason = fields.String(allow_none=True)
    claimed_yen = fields.Integer()
    paid_yen = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class IncidentDetailSchema(IncidentSchema):
    victims = fields.List(fields.Nested(VictimSchema))
    documents = fields.List(fields.Nested(DocumentStatusSchema))


class IncidentQuerySchema(Schema):
    member_id = IdFilter()
    covered = fields.Boolean()


class OverdueQuerySchema(Schema):
    on = fields.Date(metadata={"description": "the day to judge against; default today"})


class CostLineSchema(Schema):
    id = fields.Integer(dump_only=True)
    incident_id = fields.Integer(dump_only=True)
    category = fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={
            "description": "one of "
            + ", ".join(c.value for c in Category)
            + "; allowed per cause by seed 004 §3 (else 422)"
        },
    )
    item = fields.String(
        allow_none=True,
        validate=validate.Length(1, 2),
        metadata={"description": "the seed's katakana item letter, e.g. エ"},
    )
    amount_yen = Yen(required=True, minimum=1)
    incurred_on = fields.Date(required=True)
    description = fields.String(required=True, validate=validate.Length(1, 1000))
    created_at = fields.AwareDateTime(dump_only=True)


class ClaimCompleteSchema(Schema):
    completed_on = fields.Date(required=True)
    extended_pay_by = fields.Date(
        metadata={
            "description": "a later deadline where public investigations are needed "
            "(seed 004 §6① ただし書); needs extension_reason"
        }
    )
    extension_reason = fields.String(validate=validate.Length(1, 1000))


class PaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    incident_id = fields.Integer(dump_only=True)
    term_id = fields.Integer(dump_only=True)
    amount_yen = Yen(required=True, minimum=1)
    paid_on = fields.Date(required=True)
    per_incident_remaining = fields.Integer(dump_only=True)
    aggregate_remaining = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
