"""What crosses the wire for tokens (never a stored digest)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.auth import ROLES
from groupcover.fields import Id


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    member_id = Id(entity="member", allow_none=True)
    days = fields.Integer(
        load_only=True,
        validate=validate.Range(1, 3650),
        metadata={"description": "days until it expires (default TOKEN_DAYS, 365)"},
    )
    created_at = fields.AwareDateTime(dump_only=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    expires_at = fields.AwareDateTime(
        dump_only=True, metadata={"description": "after this instant the token answers 401"}
    )
    last_used_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "last authenticated use, to the minute"},
    )


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "shown once, never again"})
