from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("not an IANA time zone, e.g. Asia/Tokyo") from exc


class ProgramSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    policyholder = fields.String(required=True, validate=validate.Length(1, 200))
    insurer = fields.String(required=True, validate=validate.Length(1, 200))
    policy_number = fields.String(allow_none=True, validate=validate.Length(max=100))
    timezone = fields.String(validate=[validate.Length(1, 64), _timezone])
    today = fields.Date(dump_only=True, metadata={"description": "today in the program time zone"})
    updated_at = fields.AwareDateTime(dump_only=True)


class ProgramPatchSchema(ProgramSchema):
    """A PATCH names only what changes: every field optional (marshmallow has no
    ``Meta.partial``, so the default is set here)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)
