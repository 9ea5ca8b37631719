from __future__ import annotations

from flask import Response
from flask.views import MethodView

from groupcover import auth, db
from groupcover.errors import NotFound
from groupcover.notices import proof, service, withdraw
from groupcover.notices.models import Notice
from groupcover.notices.schemas import (
    CoverageChangeSchema,
    MessageQuerySchema,
    NoticeDetailSchema,
    NoticeQuerySchema,
    NoticeSchema,
    PreviewSchema,
    PublishedTermsSchema,
    ResendSchema,
    WithdrawnTermsSchema,
    WithdrawSchema,
)
from groupcover.program.service import program_today
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "notices",
    __name__,
    url_prefix="/api/v1",
    description="Coverage-terms changes (補償内容の変更) and the two-month notice.",
)


@blp.route("/coverage-terms", methods=["POST"])
class PublishView(MethodView):
    @blp.arguments(CoverageChangeSchema)
    @blp.response(201, PublishedTermsSchema)
    def post(self, values):
        """Publish a coverage-terms version and one notice per member affected (admins).

        An effective date earlier than rule N1 allows from today is a 422 naming the earliest
        allowed date, unless ``override_reason`` is given: it is recorded and said in the
        letters."""
        auth.require_admin()
        session = db.session()
        version, created = service.publish(
            session, service.Change(**values), program_today(session)
        )
        return {**version.model_dump(), "notices_created": created}


@blp.route("/coverage-terms/<int:coverage_terms_id>/withdraw", methods=["POST"])
class WithdrawView(MethodView):
    @blp.arguments(WithdrawSchema)
    @blp.response(200, WithdrawnTermsSchema)
    @blp.alt_response(403, description="administrators only")
    @blp.alt_response(404, description="no such coverage-terms version")
    @blp.alt_response(409, description="the version is already in force, or already withdrawn")
    @blp.alt_response(422, description="no reason given")
    def post(self, values, coverage_terms_id):
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


@blp.route("/coverage-terms/preview", methods=["POST"])
class PreviewView(MethodView):
    @blp.arguments(CoverageChangeSchema)
    @blp.response(200, PreviewSchema)
    def post(self, values):
        """Dry run of a publication: members affected, send_by, the letter (admins).

        Nothing is stored; a change that publishing would refuse is refused the same way."""
        auth.require_admin()
        session = db.session()
        return service.preview(session, service.Change(**values), program_today(session))


def _view(notice: Notice, today, **extra) -> dict:
    return {**notice.model_dump(), "late": service.is_late(notice, today), **extra}


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
