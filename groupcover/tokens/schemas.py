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
    created_at = fields.AwareDateTime(dump_only=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "shown once, never again"})
