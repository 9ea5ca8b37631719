from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.members.service import get_member
from groupcover.program.service import program_today
from groupcover.suppliers import service
from groupcover.suppliers.schemas import (
    DeregisterQuerySchema,
    RegistrationQuerySchema,
    RegistrationSchema,
)
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "suppliers",
    __name__,
    url_prefix="/api/v1/members/<int:member_id>/suppliers",
    description="A member's registered suppliers (登録企業).",
)


@blp.route("")
class RegistrationsView(MethodView):
    @blp.arguments(RegistrationQuerySchema, location="query")
    @blp.response(200, RegistrationSchema(many=True))
    @blp.paginated()
    def get(self, query, member_id, pagination_parameters):
        """List the member's registrations (administrators, or that member)."""
        auth.require_member_access(member_id)
        session = db.session()
        get_member(session, member_id)
        stmt = service.registrations_query(member_id, query.get("active_on"), query.get("domain"))
        return paginate_query(session, stmt, pagination_parameters)

    @blp.arguments(RegistrationSchema)
    @blp.response(201, RegistrationSchema)
    def post(self, values, member_id):
        """Register a supplier by hand (administrators)."""
        auth.require_admin()
        return service.register(db.session(), member_id, **values)


@blp.route("/<int:registration_id>")
class RegistrationView(MethodView):
    @blp.response(200, RegistrationSchema)
    def get(self, member_id, registration_id):
        """Read one registration (administrators, or that member)."""
        auth.require_member_access(member_id)
        return service.get_registration(db.session(), member_id, registration_id)

    @blp.arguments(DeregisterQuerySchema, location="query")
    @blp.response(200, RegistrationSchema)
    def delete(self, query, member_id, registration_id):
        """Deregister: ``last_day`` is the last day it counts (administrators)."""
        auth.require_admin()
        session = db.session()
        last_day = query.get("last_day") or program_today(session)
        return service.deregister(session, member_id, registration_id, last_day)
