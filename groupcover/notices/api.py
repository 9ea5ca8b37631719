from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, db
from groupcover.notices import service
from groupcover.notices.models import Notice
from groupcover.notices.schemas import NoticeDetailSchema, NoticeQuerySchema, NoticeSchema
from groupcover.program.service import program_today
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "notices",
    __name__,
    url_prefix="/api/v1",
    description="Notices of coverage-terms changes (補償内容の変更) and the two-month notice.",
)


def _view(notice: Notice, today, **extra) -> dict:
    return {**notice.model_dump(), "late": notice.late_on(today), **extra}


@blp.route("/notices")
class NoticesView(MethodView):
    @blp.arguments(NoticeQuerySchema, location="query")
    @blp.response(200, NoticeSchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """Notices, oldest first; filter by member, status, late, acknowledged.

        A member token sees its own notices only."""
        session = db.session()
        today = program_today(session)
        visible = auth.visible_member_id()
        if visible is not None:
            query["member_id"] = visible
        notices = paginate_query(session, service.list_query(today, **query), pagination_parameters)
        return [_view(n, today) for n in notices]


@blp.route("/notices/<int:notice_id>")
class NoticeView(MethodView):
    @blp.response(200, NoticeDetailSchema)
    def get(self, notice_id):
        """A notice with its rendered letter (administrators, or that member)."""
        session = db.session()
        notice = service.get_notice(session, notice_id, auth.visible_member_id())
        letter = service.letter_for(session, notice)
        return _view(notice, program_today(session), subject=letter.subject, body=letter.body)


@blp.route("/notices/<int:notice_id>/acknowledge", methods=["POST"])
class AcknowledgeView(MethodView):
    @blp.response(200, NoticeSchema)
    def post(self, notice_id):
        """The member company confirms it has read the notice; repeating it changes nothing."""
        session = db.session()
        notice = service.acknowledge(session, notice_id, auth.visible_member_id())
        return _view(notice, program_today(session))
