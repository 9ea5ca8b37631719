from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.notices.models import KINDS, STATUSES


class NoticeQuerySchema(Schema):
    member_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    late = fields.Boolean(metadata={"description": "not sent by the end of its send_by day"})
    acknowledged = fields.Boolean()
    coverage_terms_id = fields.Integer()


class NoticeSchema(Schema):
    id = fields.Integer()
    kind = fields.String(
        metadata={"description": "coverage_change, withdrawal, limit_alert or payment_extension"}
    )
    member_id = fields.Integer()
    coverage_terms_id = fields.Integer(allow_none=True)
    send_by = fields.Date(
        metadata={"description": "last day the letter goes out on time (rule N1 for a change)"}
    )
    sent_at = fields.AwareDateTime(allow_none=True)
    status = fields.String(metadata={"description": "pending, sent, failed or cancelled"})
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    late = fields.Boolean(metadata={"description": "not sent by the end of its send_by day"})
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class NoticeDetailSchema(NoticeSchema):
    subject = fields.String()
    body = fields.String(metadata={"description": "the letter: Japanese, then English"})
