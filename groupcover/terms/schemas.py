from __future__ import annotations

from marshmallow import Schema, fields, validate


class TermSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    start_date = fields.Date(required=True, metadata={"description": "first covered day"})
    end_date = fields.Date(required=True, metadata={"description": "last covered day (inclusive)"})
    last_day = fields.Date(
        dump_only=True,
        allow_none=True,
        metadata={"description": "last covered day after a cancellation"},
    )
    period_start = fields.Date(dump_only=True, attribute="start_date")
    period_end = fields.Date(dump_only=True)
    cancelled = fields.Function(lambda t: t.last_day is not None, dump_only=True)
    aggregate_paid = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class CancelSchema(Schema):
    last_day = fields.Date(
        required=True, metadata={"description": "the last covered day; inside the term"}
    )


class ExpiringQuerySchema(Schema):
    within = fields.Integer(
        load_default=60,
        validate=validate.Range(0, 3660),
        metadata={"description": "days from today (program time zone); default 60"},
    )


class ExpiringTermSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    period_start = fields.Date()
    period_end = fields.Date()
    days_left = fields.Integer(metadata={"description": "0 when the term ends today"})
