"""``GET /api/v1/exports/{kind}.csv``: a whole list as a streamed CSV (administrators)."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView

from groupcover import auth, db
from groupcover.exports import service
from groupcover.program.service import program_today
from groupcover.web import Blueprint

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/exports",
    description="CSV exports, UTF-8 with BOM, CRLF (administrators).",
)


CSV_CONTENT = {"schema": {"type": "string", "format": "binary"}}


def csv_response(chunks, filename: str) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _view(kind: str) -> type[MethodView]:
    class ExportView(MethodView):
        @blp.response(200, description="UTF-8 CSV with BOM and CRLF line ends, header first")
        @blp.alt_response(403, description="administrators only")
        @blp.doc(responses={200: {"content": {"text/csv": CSV_CONTENT}}})
        def get(self):
            auth.require_admin()
            session = db.session()
            today = program_today(session)
            engine = db.engine()
            return csv_response(
                service.stream_export(engine, kind, today), f"groupcover-{kind}-{today}.csv"
            )

    ExportView.get.__doc__ = (
        f"Export every {kind[:-1]} as CSV (administrators): the import columns plus ids and "
        "state, streamed."
    )
    ExportView.__name__ = f"Export{kind.title()}View"
    return ExportView


for _kind in service.KINDS:
    blp.route(f"/{_kind}.csv", endpoint=f"export_{_kind}")(_view(_kind))
