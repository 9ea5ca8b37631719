from __future__ import annotations

from marshmallow import Schema, fields


class CoverageQuerySchema(Schema):
    domain = fields.String(required=True, metadata={"description": "the supplier's domain"})
    on = fields.Date(metadata={"description": "default: today in the program time zone"})


class OnQuerySchema(Schema):
    on = fields.Date(metadata={"description": "default: today in the program time zone"})


class SupplierCoverageSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    registration_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date(allow_none=True)
    per_incident_limit = fields.Integer()
    aggregate_limit = fields.Integer()
    aggregate_remaining = fields.Integer()


class DomainCoverageSchema(Schema):
    domain = fields.String()
    on = fields.Date()
    covered = fields.Boolean()
    coverages = fields.List(fields.Nested(SupplierCoverageSchema))


class MemberCoverageSchema(Schema):
    member_id = fields.Integer()
    on = fields.Date()
    covered = fields.Boolean()
    term_id = fields.Integer(allow_none=True)
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    per_incident_limit = fields.Integer()
    aggregate_limit = fields.Integer()
    aggregate_paid = fields.Integer()
    aggregate_remaining = fields.Integer()
    suppliers_covered = fields.Integer()
