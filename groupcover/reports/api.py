"""``GET /api/v1/reports/bordereau?month=YYYY-MM``: JSON, or CSV with ``Accept: text/csv``."""

from __future__ import annotations

from flask import jsonify, request
from flask.views import MethodView

from groupcover import auth, db
from groupcover.exports.api import CSV_CONTENT, csv_response
from groupcover.exports.service import csv_chunks
from groupcover.program.service import get_program
from groupcover.reports import service
from groupcover.reports.schemas import BordereauQuerySchema, BordereauSchema
from groupcover.web import Blueprint

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Reports for the insurer (administrators).",
)


@blp.route("/bordereau")
class BordereauView(MethodView):
    @blp.arguments(BordereauQuerySchema, location="query")
    @blp.response(200, BordereauSchema)
    @blp.doc(
        responses={
            200: {
                "description": "JSON; with `Accept: text/csv` the same rows as CSV (UTF-8, BOM)",
                "content": {"text/csv": CSV_CONTENT},
            }
        }
    )
    @blp.alt_response(403, description="administrators only")
    def get(self, query):
        """The month's bordereau: a row per member with coverage in it, and totals."""
        auth.require_admin()
        session = db.session()
        year, month = map(int, query["month"].split("-"))
        report = service.bordereau(
            session, service.Month.of(year, month, get_program(session).timezone)
        )
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            rows = ([row[c] for c in service.COLUMNS] for row in report["rows"])
            return csv_response(
                csv_chunks(list(service.COLUMNS), rows), f"bordereau-{report['month']}.csv"
            )
        return jsonify(report)  # already plain JSON values: 10,000 rows skip a schema dump
