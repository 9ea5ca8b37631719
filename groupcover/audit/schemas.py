"""What crosses the wire for the audit trail."""

from __future__ import annotations

from marshmallow import Schema, fields

from groupcover.fields import IdFilter


class AuditQuerySchema(Schema):
    entity = fields.String()
    entity_id = IdFilter()
    action = fields.String()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
