"""What crosses the wire for sync runs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.sync.models import MODES


class SyncRunRequestSchema(Schema):
    mode = fields.String(
        load_default="incremental",
        validate=validate.OneOf(MODES),
        metadata={
            "description": "incremental: accounts the vendor blocked (429) are not contacted "
            "before the block ends; full: every account is tried"
        },
    )


class SyncAccountResultSchema(Schema):
    member_id = fields.Integer(allow_none=True)
    vendor_account_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "succeeded, failed or skipped"})
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "no_credential, unknown_account, vendor_block, bad_credential, "
            "auth_failed, truncated, rate_limited, cursor_expired, repeated_cursor, "
            "unavailable, protocol_error, error"
        },
    )
    message = fields.String(allow_none=True)
    pages = fields.Integer()
    suppliers = fields.Integer()
    unreadable = fields.Integer(metadata={"description": "records without domain or insert_ts"})
    restarts = fields.Integer(metadata={"description": "walks restarted after an expired cursor"})
    created = fields.Integer()
    updated = fields.Integer()
    deregistered = fields.Integer()
    duration_ms = fields.Integer()
    retry_at = fields.DateTime(allow_none=True)


class SyncRunSchema(Schema):
    id = fields.Integer()
    mode = fields.String()
    status = fields.String(
        metadata={"description": "queued (waiting for a worker), running, succeeded or failed"}
    )
    run_day = fields.Date()
    triggered_by = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    duration_seconds = fields.Method("_duration", allow_none=True)
    accounts = fields.Integer()
    accounts_failed = fields.Integer()
    pages = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    deregistered = fields.Integer()
    error = fields.String(allow_none=True)

    def _duration(self, run) -> float | None:
        if run.finished_at is None:
            return None
        return round((run.finished_at - run.started_at).total_seconds(), 3)


class SyncRunDetailSchema(SyncRunSchema):
    results = fields.List(fields.Nested(SyncAccountResultSchema), dump_default=list)
