from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.web import MAX_PAGE_SIZE, PAGE_SIZE


class CoverageQuerySchema(Schema):
    domain = fields.String(required=True, metadata={"description": "the supplier's domain"})
    on = fields.Date(metadata={"description": "default: today in the program time zone"})
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1), metadata={"description": "from 1"}
    )
    page_size = fields.Integer(
        load_default=PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": "entries (members) per page"},
    )


class OnQuerySchema(Schema):
    on = fields.Date(metadata={"description": "default: today in the program time zone"})


class SupplierCoverageSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    registration_id = fields.Integer()
    period_start = fields.Date(
        metadata={
            "description": "the member's coverage period (its term) the aggregate counts over"
        }
    )
    period_end = fields.Date(
        metadata={"description": "the term's end, or a cancellation's last day"}
    )
    insured_from = fields.Date(metadata={"description": "the supplier's own insured span in it"})
    insured_to = fields.Date(allow_none=True)
    per_incident_limit = fields.Integer()
    aggregate_limit = fields.Integer()
    aggregate_remaining = fields.Integer()


class DomainCoverageSchema(Schema):
    domain = fields.String()
    on = fields.Date()
    covered = fields.Boolean()
    total = fields.Integer(metadata={"description": "entries in all pages"})
    coverages = fields.List(
        fields.Nested(SupplierCoverageSchema),
        metadata={"description": "this page's entries, by member_id (X-Pagination)"},
    )


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
