"""The audit trail over HTTP (administrators)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import select

from groupcover import auth, db
from groupcover.audit import AuditEntry
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Who changed what, when (administrators).",
)


class AuditQuerySchema(Schema):
    entity = fields.String()
    entity_id = fields.Integer()
    action = fields.String()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


@blp.route("")
class AuditView(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """Audit entries, newest first, filtered by entity, entity_id or action."""
        auth.require_admin()
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
        for key, value in query.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return paginate_query(db.session(), stmt, pagination_parameters)
