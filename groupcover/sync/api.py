"""``/api/v1/sync-runs``: watch and start supplier syncs (administrators only)."""

from __future__ import annotations

from types import SimpleNamespace

from flask import current_app
from flask.views import MethodView

from groupcover import auth, config, db
from groupcover.sync import service
from groupcover.sync.schemas import SyncRunDetailSchema, SyncRunRequestSchema, SyncRunSchema
from groupcover.sync.settings import SyncSettings
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
    @blp.alt_response(409, description="a sync run is already in progress")
    def post(self, values):
        """Start a sync run in the background (administrators); poll it by id."""
        principal = auth.require_admin()
        settings = SyncSettings.from_settings(config.settings())
        # The run takes its lease and records itself in transactions of its own; end this
        # request's (on SQLite, a write request holds the database's write lock).
        db.session().commit()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return service.start_in_background(app, settings, values["mode"], principal.label)


@blp.route("/<int:run_id>")
class SyncRunView(MethodView):
    @blp.response(200, SyncRunDetailSchema)
    def get(self, run_id):
        """One sync run with its result per vendor account (administrators)."""
        auth.require_admin()
        session = db.session()
        run = service.get_run(session, run_id)
        return SimpleNamespace(**run.model_dump(), results=service.run_results(session, run_id))
