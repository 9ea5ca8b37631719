from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.fields import Yen


class CoverageTermsSchema(Schema):
    id = fields.Integer(dump_only=True)
    effective_date = fields.Date(required=True)
    per_incident_limit = Yen(minimum=None, required=True)
    aggregate_limit = Yen(minimum=None, required=True)
    summary_ja = fields.String(required=True)
    summary_en = fields.String(required=True)
    published_on = fields.Date(dump_only=True, allow_none=True)
    override_reason = fields.String(allow_none=True)
    withdrawn_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "set when withdrawn before taking effect: never in force"},
    )
    withdrawn_reason = fields.String(dump_only=True, allow_none=True)


class CoverageChangeSchema(Schema):
    """A new coverage-terms version (補償内容) as the administrator submits it."""

    effective_date = fields.Date(
        required=True,
        metadata={"description": "first day the new terms apply; rule N1 wants two months' notice"},
    )
    per_incident_limit = Yen(minimum=None, required=True, metadata={"description": "whole yen"})
    aggregate_limit = Yen(
        minimum=None, required=True, metadata={"description": "whole yen per coverage period"}
    )
    summary_ja = fields.String(required=True, validate=validate.Length(1, 4000))
    summary_en = fields.String(required=True, validate=validate.Length(1, 4000))
    override_reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "why less than two months' notice is given "
            "(原則として2か月以上前); recorded and shown in the letter"
        },
    )


class PublishedTermsSchema(CoverageTermsSchema):
    notices_created = fields.Integer(dump_only=True)


class PreviewNoticeSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    send_by = fields.Date()
    late = fields.Boolean()


class PreviewLetterSchema(Schema):
    member_id = fields.Integer()
    subject = fields.String()
    body = fields.String()


class PreviewSchema(Schema):
    today = fields.Date(metadata={"description": "today in the program time zone"})
    effective_date = fields.Date()
    earliest_allowed = fields.Date(metadata={"description": "rule N1 from today"})
    send_by = fields.Date()
    late = fields.Boolean(metadata={"description": "the notices start late (override given)"})
    members_affected = fields.Integer()
    notices = fields.List(fields.Nested(PreviewNoticeSchema))
    letter = fields.Nested(
        PreviewLetterSchema,
        allow_none=True,
        metadata={"description": "the letter of the first member affected"},
    )


class WithdrawSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "why the change is withdrawn; said in the withdrawal letter"},
    )


class WithdrawnTermsSchema(CoverageTermsSchema):
    notices_cancelled = fields.Integer(
        dump_only=True, metadata={"description": "pending notices of the version, now cancelled"}
    )
    withdrawal_letters = fields.Integer(
        dump_only=True,
        metadata={"description": "members already told, each now queued a withdrawal letter"},
    )
