from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validates

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class BordereauQuerySchema(Schema):
    month = fields.String(
        required=True, metadata={"description": "YYYY-MM, in the program time zone"}
    )

    @validates("month")
    def _month(self, value: str, **_kwargs) -> None:
        if not _MONTH.fullmatch(value) or not 1 <= int(value[:4]) <= 9998:
            raise ValidationError("month must be YYYY-MM")


class BordereauRowSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    corporate_number = fields.String(allow_none=True)
    period_start = fields.Date(metadata={"description": "the coverage period in the month"})
    period_end = fields.Date()
    suppliers_insured = fields.Integer(metadata={"description": "on the month's last day"})
    incidents_reported = fields.Integer(metadata={"description": "reported in the month"})
    claimed_yen = fields.Integer(
        metadata={"description": "claimed under the coverage period by the month's end"}
    )
    paid_in_month = fields.Integer()
    aggregate_paid = fields.Integer(
        metadata={"description": "paid under the coverage period by the month's end"}
    )
    outstanding_yen = fields.Integer(metadata={"description": "approved − deductions − paid"})


class BordereauTotalsSchema(Schema):
    members = fields.Integer()
    suppliers_insured = fields.Integer()
    incidents_reported = fields.Integer()
    claimed_yen = fields.Integer()
    paid_in_month = fields.Integer()
    aggregate_paid = fields.Integer()
    outstanding_yen = fields.Integer()


class BordereauSchema(Schema):
    month = fields.String()
    rows = fields.List(fields.Nested(BordereauRowSchema))
    totals = fields.Nested(BordereauTotalsSchema)
