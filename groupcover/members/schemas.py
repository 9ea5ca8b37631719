from __future__ import annotations

from marshmallow import Schema, fields, validate


class MemberSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    contact_email = fields.Email(required=True, validate=validate.Length(max=254))
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    vendor_account_id = fields.String(allow_none=True, validate=validate.Length(1, 100))
    corporate_number = fields.String(
        allow_none=True,
        metadata={"description": "13-digit corporate number (法人番号); check digit verified"},
    )
    has_vendor_credential = fields.Method("_has_credential", dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _has_credential(self, member) -> bool:
        return member.vendor_credential is not None


class MemberPatchSchema(MemberSchema):
    """A PATCH names only what changes: every field optional (marshmallow has no
    ``Meta.partial``, so the default is set here)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)


class MemberQuerySchema(Schema):
    name = fields.String(metadata={"description": "substring of the name, case-insensitive"})
    vendor_account_id = fields.String()


class VendorCredentialSchema(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(1, 4096))
