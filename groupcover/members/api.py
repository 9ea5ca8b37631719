from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.members import service
from groupcover.members.schemas import (
    MemberPatchSchema,
    MemberQuerySchema,
    MemberSchema,
    VendorCredentialSchema,
)
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "members", __name__, url_prefix="/api/v1/members", description="Member companies (加入企業)."
)


@blp.route("")
class MembersView(MethodView):
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """List member companies (administrators)."""
        auth.require_admin()
        return paginate_query(
            db.session(), service.list_members_query(**query), pagination_parameters
        )

    @blp.arguments(MemberSchema)
    @blp.response(201, MemberSchema)
    def post(self, values):
        """Enrol a member company (administrators)."""
        auth.require_admin()
        return service.create_member(db.session(), values)


@blp.route("/<int:member_id>")
class MemberView(MethodView):
    @blp.response(200, MemberSchema)
    def get(self, member_id):
        """Read a member company (administrators, or that member)."""
        auth.require_member_access(member_id)
        return service.get_member(db.session(), member_id)

    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    def patch(self, changes, member_id):
        """Edit a member company (administrators)."""
        auth.require_admin()
        session = db.session()
        return service.update_member(session, service.get_member(session, member_id), changes)


@blp.route("/<int:member_id>/vendor-credential")
class VendorCredentialView(MethodView):
    @blp.arguments(VendorCredentialSchema)
    @blp.response(204)
    @blp.alt_response(
        422, description="the token is not printable ASCII (rule vendor_token_printable_ascii)"
    )
    def put(self, values, member_id):
        """Set the member's vendor API token (administrators). Write-only, stored encrypted;
        surrounding whitespace is stripped, anything but printable ASCII is refused."""
        auth.require_admin()
        session = db.session()
        service.set_vendor_credential(
            session, service.get_member(session, member_id), values["token"]
        )

    @blp.response(204)
    def delete(self, member_id):
        """Forget the member's vendor API token (administrators); its account is no longer
        synced. Deleting when there is none changes nothing."""
        auth.require_admin()
        session = db.session()
        service.delete_vendor_credential(session, service.get_member(session, member_id))
