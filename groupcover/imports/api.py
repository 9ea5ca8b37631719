"""``POST /api/v1/imports/{members,terms,suppliers}``: a CSV file in, one transaction."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from groupcover import auth, db
from groupcover.errors import DomainError
from groupcover.guard import large_body
from groupcover.imports import csvfile, service
from groupcover.imports.schemas import (
    ImportQuerySchema,
    ImportRejectedSchema,
    ImportResultSchema,
)
from groupcover.program.service import program_today
from groupcover.web import Blueprint

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1/imports",
    description="CSV import of members, terms and suppliers (administrators).",
)

COLUMNS = {
    "members": "name, contact_email, contact_name, vendor_account_id, corporate_number",
    "terms": "member, start_date, end_date",
    "suppliers": "member, domain, name, registered_on",
}


class PayloadTooLarge(DomainError):
    status = 413


def read_body(limit: int) -> bytes:
    """The CSV file: the request body, or the first file of a multipart upload."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    if request.mimetype == "multipart/form-data":
        upload = next(iter(request.files.values()), None)
        data = b"" if upload is None else upload.stream.read(limit + 1)
    else:
        data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than MAX_IMPORT_BYTES ({limit:,} bytes); split it",
        field=None,
        rule="max_import_bytes",
    )


def _view(kind: str) -> type[MethodView]:
    class ImportView(MethodView):
        @blp.arguments(ImportQuerySchema, location="query")
        @blp.response(200, ImportResultSchema)
        @blp.alt_response(
            422, schema=ImportRejectedSchema, description="bad rows: every one is listed"
        )
        @blp.alt_response(413, description="the file is larger than MAX_IMPORT_BYTES")
        @blp.alt_response(403, description="administrators only")
        @blp.doc(
            requestBody={
                "required": True,
                "content": {
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    },
                },
            }
        )
        @large_body()
        def post(self, query):
            auth.require_admin()
            data = read_body(current_app.config["MAX_IMPORT_BYTES"])
            session = db.session()
            result = service.run_import(
                session,
                kind,
                data,
                encoding=csvfile.encoding_name(query.get("encoding")),
                dry_run=query["dry_run"],
                today=program_today(session),
            )
            if query["dry_run"]:
                session.rollback()
            return result

    ImportView.post.__doc__ = (
        f"Import {kind} from a CSV file (administrators).\n\n"
        f"Columns: {COLUMNS[kind]} (header row first). Any bad row: 422 listing every bad "
        "row, nothing written. A dry run answers the same and writes nothing; rows already "
        "stored as they are count as `unchanged`."
        + (
            " A row whose corporate number (else, without one, whose vendor_account_id) names "
            "a stored member updates that member's changed fields (`updated`); an empty key "
            "cell keeps the stored key. Keys naming two different members, or two rows for "
            "one company with different values, are 422 row errors."
            if kind == "members"
            else ""
        )
    )
    ImportView.__name__ = f"Import{kind.title()}View"
    return ImportView


for _kind in service.KINDS:
    blp.route(f"/{_kind}", endpoint=f"import_{_kind}")(_view(_kind))
