from __future__ import annotations

from marshmallow import Schema, fields, validate

from groupcover.imports.service import KINDS


class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "check every row, write nothing"}
    )
    encoding = fields.String(
        validate=validate.OneOf(["utf-8", "utf-8-sig", "shift_jis", "cp932"]),
        metadata={
            "description": "force the file's encoding; default: detect (BOM → UTF-8, "
            "valid UTF-8 → UTF-8, else Shift_JIS/CP932 as Excel writes it)"
        },
    )


class RowErrorSchema(Schema):
    row = fields.Integer(metadata={"description": "the row as Excel numbers it: the header is 1"})
    column = fields.String(allow_none=True)
    rule = fields.String()
    message = fields.String()


class ImportResultSchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    rows = fields.Integer(metadata={"description": "data rows read (blank rows skipped)"})
    created = fields.Integer(metadata={"description": "rows written (or that would be)"})
    updated = fields.Integer(
        metadata={
            "description": "members: rows naming a stored member company (by corporate number, "
            "else vendor_account_id) whose changed values were written (or would be), one "
            "`member.update` audit entry each; always 0 for terms and suppliers"
        }
    )
    unchanged = fields.Integer(metadata={"description": "rows already stored as they are"})
    dry_run = fields.Boolean()
    encoding = fields.String(metadata={"description": "the encoding the file was read in"})
    errors = fields.List(fields.Nested(RowErrorSchema))


class ImportRejectedSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    field = fields.String(allow_none=True)
    rule = fields.String(metadata={"description": "import_rejected"})
    errors = fields.List(
        fields.Nested(RowErrorSchema), metadata={"description": "every bad row, in file order"}
    )
