from __future__ import annotations

from flask import Response
from flask.views import MethodView

from groupcover import auth, db
from groupcover.errors import NotFound
from groupcover.fields import NO_ROW
from groupcover.notices import proof, service
from groupcover.notices.models import Notice
from groupcover.notices.schemas import (
    OPERATOR_FIELDS,
    MessageQuerySchema,
    NoticeDetailSchema,
    NoticeQuerySchema,
    NoticeSchema,
    ResendSchema,
)
from groupcover.program.service import program_today
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "notices",
    __name__,
    url_prefix="/api/v1",
    description="Notices of coverage-terms changes (補償内容の変更) and the two-month notice.",
)


def _view(notice: Notice, today, **extra) -> dict:
    """What the token may see: a member's never carries the operator fields."""
    hidden = None if auth.current().is_admin else OPERATOR_FIELDS
    return {**notice.model_dump(exclude=hidden), "late": notice.late_on(today), **extra}


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
        if visible is not None and query.setdefault("member_id", visible) != visible:
            query["member_id"] = NO_ROW  # another member's: the empty list, as incidents
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
        last = proof.latest_message(session, notice.id)
        return _view(
            notice,
            program_today(session),
            subject=letter.subject,
            body=letter.body,
            message_sha256=None if last is None else last.message_sha256,
            chain_sha256=None if last is None else last.chain_sha256,
            history=service.history(session, notice.id),
        )


@blp.route("/notices/<int:notice_id>/message")
class MessageView(MethodView):
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(
        200,
        content_type="message/rfc822",
        description="the exact bytes the SMTP server accepted (an .eml file)",
    )
    @blp.alt_response(404, description="no such notice, or not delivered (that attempt)")
    def get(self, query, notice_id):
        """The delivered message, byte for byte (administrators, or that member)."""
        session = db.session()
        notice = service.get_notice(session, notice_id, auth.visible_member_id())
        link = proof.latest_message(session, notice.id, query.get("attempt"))
        if link is None:
            raise NotFound("delivered message of notice", notice.id)
        return Response(
            link.message,
            mimetype="message/rfc822",
            headers={
                "Content-Disposition": f'attachment; filename="notice-{notice.id}.eml"',
                "X-Message-SHA256": link.message_sha256,
                "X-Chain-SHA256": link.chain_sha256,
            },
        )


@blp.route("/notices/<int:notice_id>/resend", methods=["POST"])
class ResendView(MethodView):
    @blp.arguments(ResendSchema)
    @blp.response(200, NoticeSchema)
    @blp.alt_response(403, description="administrators only")
    @blp.alt_response(404, description="no such notice")
    @blp.alt_response(409, description="the notice is pending or cancelled")
    def post(self, values, notice_id):
        """Queue a failed (or sent) notice again, to the member's current contact e-mail.

        Earlier attempts stay in its history; ``send-notices`` (or the worker) delivers it.
        A pending notice is a 409: it is already queued (administrators)."""
        auth.require_admin()
        session = db.session()
        today = program_today(session)
        notice = service.resend(session, notice_id, values.get("reason"))
        return _view(notice, today)


@blp.route("/notices/<int:notice_id>/acknowledge", methods=["POST"])
class AcknowledgeView(MethodView):
    @blp.response(200, NoticeSchema)
    def post(self, notice_id):
        """The member company confirms it has read the notice; repeating it changes nothing."""
        session = db.session()
        notice = service.acknowledge(session, notice_id, auth.visible_member_id())
        return _view(notice, program_today(session))
