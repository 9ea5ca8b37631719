"""API tokens over HTTP (administrators): issue, list, revoke. The value is shown once."""

from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.tokens import service
from groupcover.tokens.schemas import NewTokenSchema, TokenSchema
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1/tokens",
    description="Bearer tokens for administrators and member companies.",
)


@blp.route("")
class TokensView(MethodView):
    @blp.response(200, TokenSchema(many=True))
    @blp.paginated()
    def get(self, pagination_parameters):
        """List tokens (never their values)."""
        auth.require_admin()
        return paginate_query(db.session(), service.tokens_query(), pagination_parameters)

    @blp.arguments(TokenSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, values):
        """Issue a token; the response is the only time its value is shown."""
        auth.require_admin()
        row, plain = service.issue(
            db.session(),
            role=values["role"],
            name=values["name"],
            member_id=values.get("member_id"),
            days=values.get("days"),
        )
        return {**row.model_dump(), "token": plain}


@blp.route("/<int:token_id>")
class TokenView(MethodView):
    @blp.response(200, TokenSchema)
    def delete(self, token_id):
        """Revoke a token: writes stop at once, reads within TOKEN_CACHE_SECONDS."""
        auth.require_admin()
        return service.revoke(db.session(), token_id)
