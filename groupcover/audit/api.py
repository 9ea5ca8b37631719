"""The audit trail over HTTP (administrators)."""

from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.audit.schemas import AuditEntrySchema, AuditQuerySchema
from groupcover.audit.service import entries_query
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Who changed what, when (administrators).",
)


@blp.route("")
class AuditView(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """Audit entries, newest first, filtered by entity, entity_id or action."""
        auth.require_admin()
        return paginate_query(db.session(), entries_query(query), pagination_parameters)
