"""Notices (補償内容変更のお知らせ and the outbox's other letters): the list with filters, and
each letter; a member user acknowledges its own letter on its page; an administrator resends
(再送) a failed or sent one, to the member's current contact e-mail, keeping its history."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from groupcover import auth, db
from groupcover.console.blueprint import admin_required, bp, login_required
from groupcover.console.forms import AcknowledgeForm, ActionForm, ResendForm, SearchForm
from groupcover.console.messages import attach
from groupcover.console.paging import page_of
from groupcover.coverage_terms.models import CoverageTerms
from groupcover.errors import DomainError
from groupcover.members.models import Member
from groupcover.notices import service as notices
from groupcover.notices.models import Notice
from groupcover.program.service import program_today

_FLAGS = {"yes": True, "no": False}


@bp.route("/console/notices")
@login_required
def notices_list():
    session = db.session()
    today = program_today(session)
    filters = {
        "status": request.args.get("status")
        if request.args.get("status") in ("pending", "sent", "failed", "cancelled")
        else None,
        "late": _FLAGS.get(request.args.get("late", "")),
        "acknowledged": _FLAGS.get(request.args.get("acknowledged", "")),
    }
    visible = auth.visible_member_id()
    stmt = notices.list_query(today, member_id=visible, **filters)
    page = page_of(session, stmt.order_by(None).order_by(Notice.id.desc()))
    names = _member_names(session, {n.member_id for n in page.items})
    return render_template(
        "console/notices/list.html",
        page=page,
        names=names,
        late={n.id: n.late_on(today) for n in page.items},
        resendable={n.id for n in page.items if g.user.is_admin and _resendable(session, n)},
        args=request.args,
        form=SearchForm(formdata=None),
        action=ActionForm(formdata=None),
    )


def _member_names(session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from sqlalchemy import select

    return dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


@bp.route("/console/notices/<int:notice_id>", methods=["GET", "POST"])
@login_required
def notice(notice_id: int):
    session = db.session()
    form = AcknowledgeForm()
    notices.get_notice(session, notice_id, auth.visible_member_id())
    if form.validate_on_submit() and form.acknowledge.data:
        notices.acknowledge(session, notice_id, auth.visible_member_id())
        flash(_("Thank you. Your acknowledgement has been recorded."), "success")
        return redirect(url_for("console.notice", notice_id=notice_id), 303)
    return _notice_page(notice_id, form, ResendForm(formdata=None))


def _notice_page(
    notice_id: int, form: AcknowledgeForm, resend_form: ResendForm, status: int = 200
) -> tuple[str, int]:
    session = db.session()
    notice = notices.get_notice(session, notice_id, auth.visible_member_id())
    today = program_today(session)
    letter = notices.letter_for(session, notice)
    admin = g.user.is_admin
    return (
        render_template(
            "console/notices/page.html",
            notice=notice,
            member=session.get(Member, notice.member_id),
            letter=letter,
            late=notice.late_on(today),
            form=form,
            resend_form=resend_form if admin and _resendable(session, notice) else None,
            resend_errors=[*resend_form.form_errors, *resend_form.reason.errors],
            history=notices.history(session, notice.id) if admin else [],
        ),
        status,
    )


def _resendable(session, notice: Notice) -> bool:
    """What ``notices.service.resend`` accepts: a failed or sent notice, except the letter of
    a change since withdrawn."""
    if notice.status not in ("sent", "failed"):
        return False
    if notice.kind == "coverage_change" and notice.coverage_terms_id is not None:
        version = session.get(CoverageTerms, notice.coverage_terms_id)
        return version is None or version.withdrawn_at is None
    return True


@bp.route("/console/notices/<int:notice_id>/resend", methods=["POST"])
@admin_required
def notice_resend(notice_id: int):
    """Queue the notice again (the same service as ``POST /api/v1/notices/{id}/resend``)."""
    session = db.session()
    form = ResendForm()
    status = 422
    if form.validate_on_submit():
        try:
            notice = notices.resend(session, notice_id, form.reason.data)
        except DomainError as exc:
            attach(form, exc)
            status = exc.status
        else:
            member = session.get_one(Member, notice.member_id)
            flash(
                _(
                    "Notice #%(id)d is queued again; it will be sent to %(email)s.",
                    id=notice.id,
                    email=member.contact_email,
                ),
                "success",
            )
            return redirect(_back_to(notice_id), 303)
    return _notice_page(notice_id, AcknowledgeForm(formdata=None), form, status)


def _back_to(notice_id: int) -> str:
    """The list the button was pressed on (with its filters), else the notice's page."""
    back = request.form.get("next", "")
    if back.startswith("/console/notices") and "//" not in back and "\\" not in back:
        return back
    return url_for("console.notice", notice_id=notice_id)
