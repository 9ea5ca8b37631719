"""``/api/v1/coverage-terms``: the versions (補償内容), publishing one, and its dry run."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from groupcover import auth, db
from groupcover.coverage_terms import flows, service
from groupcover.coverage_terms.schemas import (
    CoverageChangeSchema,
    CoverageTermsSchema,
    PreviewSchema,
    PublishedTermsSchema,
    WithdrawnTermsSchema,
    WithdrawSchema,
)
from groupcover.notices import withdraw
from groupcover.program.service import program_today
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "coverage_terms",
    __name__,
    url_prefix="/api/v1/coverage-terms",
    description="Coverage-terms versions (補償内容) and publishing a change with its notices.",
)


@blp.route("")
class CoverageTermsView(MethodView):
    @blp.response(200, CoverageTermsSchema(many=True))
    @blp.paginated()
    def get(self, pagination_parameters: PaginationParameters) -> list[Any]:
        """The coverage-terms versions (補償内容), oldest first (any token)."""
        return paginate_query(db.session(), service.versions_query(), pagination_parameters)

    @blp.arguments(CoverageChangeSchema)
    @blp.response(201, PublishedTermsSchema)
    def post(self, values: dict[str, Any]) -> dict[str, Any]:
        """Publish a coverage-terms version and one notice per member affected (admins).

        An effective date earlier than rule N1 allows from today is a 422 naming the earliest
        allowed date, unless ``override_reason`` is given: it is recorded and said in the
        letters."""
        auth.require_admin()
        session = db.session()
        version, created = flows.publish(session, service.Change(**values), program_today(session))
        return {**version.model_dump(), "notices_created": created}


@blp.route("/<int:coverage_terms_id>/withdraw", methods=["POST"])
class WithdrawView(MethodView):
    @blp.arguments(WithdrawSchema)
    @blp.response(200, WithdrawnTermsSchema)
    @blp.alt_response(403, description="administrators only")
    @blp.alt_response(404, description="no such coverage-terms version")
    @blp.alt_response(409, description="the version is already in force, or already withdrawn")
    @blp.alt_response(422, description="no reason given")
    def post(self, values: dict[str, Any], coverage_terms_id: int) -> dict[str, Any]:
        """Withdraw a change not yet in force (effective after today, program time zone).

        The version is kept, marked withdrawn, and is never in force; its pending notices are
        cancelled and every member already sent its notice gets a ``withdrawal`` letter
        (administrators)."""
        auth.require_admin()
        session = db.session()
        done = withdraw.withdraw(
            session, coverage_terms_id, values["reason"], program_today(session)
        )
        return {
            **done.version.model_dump(),
            "notices_cancelled": done.notices_cancelled,
            "withdrawal_letters": done.withdrawal_letters,
        }


@blp.route("/preview", methods=["POST"])
class PreviewView(MethodView):
    @blp.arguments(CoverageChangeSchema)
    @blp.response(200, PreviewSchema)
    def post(self, values: dict[str, Any]) -> dict[str, Any]:
        """Dry run of a publication: members affected, send_by, the letter (admins).

        Nothing is stored; a change that publishing would refuse is refused the same way."""
        auth.require_admin()
        session = db.session()
        return flows.preview(session, service.Change(**values), program_today(session))
