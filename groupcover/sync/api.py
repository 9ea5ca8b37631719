"""``/api/v1/sync-runs``: watch and start supplier syncs (administrators only)."""

from __future__ import annotations

from types import SimpleNamespace

from flask.views import MethodView

from groupcover import auth, clock, db
from groupcover.program.service import get_program
from groupcover.sync import service
from groupcover.sync.schemas import SyncRunDetailSchema, SyncRunRequestSchema, SyncRunSchema
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "sync_runs",
    __name__,
    url_prefix="/api/v1/sync-runs",
    description="Runs of the supplier sync from the vendor API (登録企業の同期).",
)


@blp.route("")
class SyncRunsView(MethodView):
    @blp.response(200, SyncRunSchema(many=True))
    @blp.paginated()
    def get(self, pagination_parameters):
        """List sync runs, newest first (administrators)."""
        auth.require_admin()
        return paginate_query(db.session(), service.runs_query(), pagination_parameters)

    @blp.arguments(SyncRunRequestSchema)
    @blp.response(202, SyncRunSchema)
    @blp.alt_response(409, description="a sync run is already running or queued")
    def post(self, values):
        """Queue a sync run (administrators): a worker (`flask worker`) starts it within
        WORKER_POLL_SECONDS; poll it by id."""
        principal = auth.require_admin()
        session = db.session()
        today = clock.today(get_program(session).timezone)
        return service.queue_run(session, values["mode"], principal.label, today)


@blp.route("/<int:run_id>")
class SyncRunView(MethodView):
    @blp.response(200, SyncRunDetailSchema)
    def get(self, run_id):
        """One sync run with its result per vendor account (administrators)."""
        auth.require_admin()
        session = db.session()
        run = service.get_run(session, run_id)
        return SimpleNamespace(**run.model_dump(), results=service.run_results(session, run_id))
