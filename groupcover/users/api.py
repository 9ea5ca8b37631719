"""Console users over HTTP (administrators): list, create, deactivate."""

from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.users import service
from groupcover.users.schemas import UserPatchSchema, UserQuerySchema, UserSchema
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "users",
    __name__,
    url_prefix="/api/v1/users",
    description="People who sign in to the console (administrators).",
)


@blp.route("")
class UsersView(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.alt_response(403, description="administrators only")
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """List users, oldest first; filter by ``q`` (name or email), member, active."""
        auth.require_admin()
        return paginate_query(db.session(), service.users_query(**query), pagination_parameters)

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(403, description="administrators only")
    @blp.alt_response(404, description="member_id names no member")
    @blp.alt_response(409, description="a user with this email exists")
    @blp.alt_response(422, description="role and member_id do not agree")
    def post(self, values):
        """Create a user (no mail is sent: `sign-in-link` or the console's invite does)."""
        auth.require_admin()
        return service.create_user(
            db.session(),
            email=values["email"],
            name=values["name"],
            role=values["role"],
            member_id=values.get("member_id"),
        )


@blp.route("/<int:user_id>")
class UserView(MethodView):
    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(403, description="administrators only")
    @blp.alt_response(404, description="no such user")
    def patch(self, values, user_id):
        """Deactivate or reactivate a user; a deactivated user is signed out on its next page."""
        auth.require_admin()
        session = db.session()
        return service.set_active(session, service.get_user(session, user_id), values["active"])
