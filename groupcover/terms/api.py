from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.members.service import get_member
from groupcover.program.service import program_today
from groupcover.terms import flows, service
from groupcover.terms.schemas import (
    CancelSchema,
    ExpiringQuerySchema,
    ExpiringTermSchema,
    TermSchema,
)
from groupcover.web import Blueprint, paginate_query, paginate_rows

blp = Blueprint(
    "terms",
    __name__,
    url_prefix="/api/v1/members/<int:member_id>/terms",
    description="Subscription terms (利用期間) = coverage periods (補償期間).",
)


@blp.route("")
class TermsView(MethodView):
    @blp.response(200, TermSchema(many=True))
    @blp.paginated()
    def get(self, member_id, pagination_parameters):
        """List a member's terms, oldest first (administrators, or that member)."""
        auth.require_member_access(member_id)
        session = db.session()
        get_member(session, member_id)
        return paginate_query(session, service.terms_query(member_id), pagination_parameters)

    @blp.arguments(TermSchema)
    @blp.response(201, TermSchema)
    def post(self, values, member_id):
        """Give the member a term; both days inclusive (administrators)."""
        auth.require_admin()
        return flows.create_term(db.session(), member_id, values["start_date"], values["end_date"])


@blp.route("/<int:term_id>/cancel")
class CancelView(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, TermSchema)
    def post(self, values, member_id, term_id):
        """Cancel a term: it ends after ``last_day`` (administrators)."""
        auth.require_admin()
        return service.cancel_term(db.session(), member_id, term_id, values["last_day"])


expiring_blp = Blueprint(
    "terms_expiring",
    __name__,
    url_prefix="/api/v1/terms",
    description="Renewals to chase (administrators).",
)


@expiring_blp.route("/expiring")
class ExpiringView(MethodView):
    @expiring_blp.arguments(ExpiringQuerySchema, location="query")
    @expiring_blp.response(200, ExpiringTermSchema(many=True))
    @expiring_blp.alt_response(403, description="administrators only")
    @expiring_blp.paginated()
    def get(self, query, pagination_parameters):
        """Terms ending within ``within`` days with no following term (administrators)."""
        auth.require_admin()
        session = db.session()
        today = program_today(session)
        rows = paginate_rows(
            session, service.expiring_query(today, query["within"]), pagination_parameters
        )
        return [service.expiring_row(term, name, today) for term, name in rows]
