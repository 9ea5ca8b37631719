from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.fields import IdFilter
from groupcover.notices.models import KINDS, STATUSES


class NoticeQuerySchema(Schema):
    member_id = IdFilter()
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    late = fields.Boolean(metadata={"description": "not sent by the end of its send_by day"})
    acknowledged = fields.Boolean()
    coverage_terms_id = IdFilter()


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
    attempts = fields.Integer(metadata={"description": "administrators only"})
    next_attempt_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "administrators only"}
    )
    last_error = fields.String(allow_none=True, metadata={"description": "administrators only"})
    resends = fields.Integer(metadata={"description": "times an administrator queued it again"})
    resend_reason = fields.String(allow_none=True)


# The delivery's workings are the operator's business: a member's token never sees them.
OPERATOR_FIELDS = frozenset({"attempts", "next_attempt_at", "last_error"})


class AttemptSchema(Schema):
    """One delivery attempt (配信履歴)."""

    attempt = fields.Integer(metadata={"description": "1, 2, … over the notice's life"})
    resend = fields.Integer(metadata={"description": "0 for the first sending, n for resend n"})
    attempted_at = fields.AwareDateTime()
    address = fields.String(metadata={"description": "the recipient at the time"})
    outcome = fields.String(metadata={"description": "accepted, transient or permanent"})
    smtp_reply = fields.String(allow_none=True, metadata={"description": "the server's reply"})
    message_sha256 = fields.String(allow_none=True)


class NoticeDetailSchema(NoticeSchema):
    subject = fields.String()
    body = fields.String(metadata={"description": "the letter: Japanese, then English"})
    message_sha256 = fields.String(
        allow_none=True,
        metadata={"description": "SHA-256 (hex) of the exact bytes last delivered"},
    )
    chain_sha256 = fields.String(
        allow_none=True,
        metadata={
            "description": "SHA-256 of the previous delivered message's chain_sha256 and this "
            "message_sha256 (hex strings, concatenated)"
        },
    )
    history = fields.List(
        fields.Nested(AttemptSchema), metadata={"description": "every delivery attempt"}
    )


class ResendSchema(Schema):
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "why it is sent again; said in the letter when it is late"},
    )


class MessageQuerySchema(Schema):
    attempt = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "an earlier delivered attempt; default the latest"},
    )
