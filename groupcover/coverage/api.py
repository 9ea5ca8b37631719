from __future__ import annotations

import json

from flask import current_app, jsonify
from flask.views import MethodView

from groupcover import auth, config, db
from groupcover.coverage import service
from groupcover.coverage.counts import CountCache
from groupcover.coverage.schemas import (
    CoverageQuerySchema,
    DomainCoverageSchema,
    MemberCoverageSchema,
    OnQuerySchema,
)
from groupcover.program.service import program_today
from groupcover.suppliers.service import parse_domain
from groupcover.web import Blueprint

blp = Blueprint(
    "coverage",
    __name__,
    url_prefix="/api/v1",
    description="Is this supplier covered on this date, under whom, with what left.",
)


@blp.route("/coverage")
class CoverageView(MethodView):
    @blp.query(CoverageQuerySchema)
    @blp.response(
        200,
        DomainCoverageSchema,
        headers={
            "X-Pagination": {"description": "paging, as for lists", "schema": {"type": "string"}}
        },
    )
    def get(self, query):
        """Coverage of a supplier on a day: one entry per member insuring it (C1, C2).

        A member token sees only its own entries."""
        domain = parse_domain(query["domain"])
        on = query.get("on") or program_today(db.session())
        page, page_size = query["page"], query["page_size"]
        coverages, total = service.supplier_coverage_page(
            db.connection(),
            domain,
            on,
            auth.visible_member_id(),
            page,
            page_size,
            _count_cache(),
        )
        # The busiest answer is built by hand (the schema above documents it; a test checks
        # both agree): marshmallow's dump costs more than the query on this path.
        response = jsonify(
            domain=domain,
            on=on.isoformat(),
            covered=total > 0,
            total=total,
            coverages=[c.as_json() for c in coverages],
        )
        response.headers["X-Pagination"] = json.dumps(
            Blueprint._make_pagination_metadata(page, page_size, total)
        )
        return response


def _count_cache() -> CountCache:
    """This process's kept counts and timelines (``coverage.counts``), sized by the current
    settings."""
    settings = config.settings()
    cache = current_app.extensions.get("groupcover.coverage_counts")
    if cache is None:
        cache = current_app.extensions["groupcover.coverage_counts"] = CountCache(0, 0)
    cache.size = settings.COVERAGE_COUNT_CACHE_ENTRIES
    cache.max_age = settings.COVERAGE_COUNT_CACHE_SECONDS
    return cache


@blp.route("/members/<int:member_id>/coverage")
class MemberCoverageView(MethodView):
    @blp.arguments(OnQuerySchema, location="query")
    @blp.response(200, MemberCoverageSchema)
    def get(self, query, member_id):
        """The member's own coverage period and limits on a day (C1, C3)."""
        auth.require_member_access(member_id)
        session = db.session()
        return service.member_coverage(
            session, member_id, query.get("on") or program_today(session)
        )
