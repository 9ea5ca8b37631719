"""What crosses the wire for users."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.auth import ROLES


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(3, 320))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    member_id = fields.Integer(
        allow_none=True, strict=True, metadata={"description": "required for role member"}
    )
    active = fields.Boolean(dump_only=True)
    last_signed_in_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class UserPatchSchema(Schema):
    active = fields.Boolean(required=True)


class UserQuerySchema(Schema):
    q = fields.String(metadata={"description": "part of the name or email"})
    member_id = fields.Integer()
    active = fields.Boolean()
