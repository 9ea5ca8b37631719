from __future__ import annotations

from marshmallow import Schema, fields, validate


class RegistrationSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    domain = fields.String(
        required=True,
        validate=validate.Length(1, 253),
        metadata={"description": "normalised: lower case, no scheme, no www."},
    )
    name = fields.String(required=True, validate=validate.Length(1, 300))
    vendor_supplier_id = fields.String(allow_none=True, validate=validate.Length(1, 100))
    registered_on = fields.Date(required=True)
    deregistered_on = fields.Date(
        dump_only=True, allow_none=True, metadata={"description": "last day counted (inclusive)"}
    )
    source = fields.String(dump_only=True, metadata={"description": "sync or manual"})


class RegistrationQuerySchema(Schema):
    active_on = fields.Date(metadata={"description": "only registrations counting on this day"})
    domain = fields.String()


class DeregisterQuerySchema(Schema):
    last_day = fields.Date(
        metadata={
            "description": "last day the registration counts; "
            "default today in the program time zone"
        }
    )
