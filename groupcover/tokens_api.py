"""API tokens over HTTP (administrators): issue, list, revoke. The value is shown once."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from groupcover import audit, auth, clock, db
from groupcover.errors import NotFound, RuleViolation
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1/tokens",
    description="Bearer tokens for administrators and member companies.",
)


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(auth.ROLES))
    member_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "shown once, never again"})


@blp.route("")
class TokensView(MethodView):
    @blp.response(200, TokenSchema(many=True))
    @blp.paginated()
    def get(self, pagination_parameters):
        """List tokens (never their values)."""
        auth.require_admin()
        return paginate_query(
            db.session(), select(auth.ApiToken).order_by(auth.ApiToken.id), pagination_parameters
        )

    @blp.arguments(TokenSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, values):
        """Issue a token; the response is the only time its value is shown."""
        auth.require_admin()
        session = db.session()
        if (values["role"] == "member") != (values.get("member_id") is not None):
            raise RuleViolation(
                "a member token needs member_id; an admin token has none",
                field="member_id",
                rule="token_member_id",
            )
        row, plain = auth.create_token(
            session, role=values["role"], name=values["name"], member_id=values.get("member_id")
        )
        audit.record(
            session,
            "token.create",
            "api_token",
            row.id,
            after=audit.snapshot(row, exclude=("token_hash",)),
        )
        return {**row.model_dump(), "token": plain}


@blp.route("/<int:token_id>")
class TokenView(MethodView):
    @blp.response(200, TokenSchema)
    def delete(self, token_id):
        """Revoke a token: writes stop at once, reads within TOKEN_CACHE_SECONDS."""
        auth.require_admin()
        session = db.session()
        row = session.get(auth.ApiToken, token_id)
        if row is None:
            raise NotFound("token", token_id)
        if row.revoked_at is None:
            row.revoked_at = clock.now()
            auth.forget_cached(row.token_hash)
            audit.record(session, "token.revoke", "api_token", row.id)
        return row
