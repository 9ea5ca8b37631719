"""Notices (補償内容変更のお知らせ): the list with filters, and each letter; a member user
acknowledges its own letter on its page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from groupcover import auth, db
from groupcover.console.blueprint import bp, login_required
from groupcover.console.forms import AcknowledgeForm, SearchForm
from groupcover.console.paging import page_of
from groupcover.members.models import Member
from groupcover.notices import service as notices
from groupcover.program.service import program_today

_FLAGS = {"yes": True, "no": False}


@bp.route("/console/notices")
@login_required
def notices_list():
    session = db.session()
    today = program_today(session)
    filters = {
        "status": request.args.get("status")
        if request.args.get("status")
        in (
            "pending",
            "sent",
            "failed",
        )
        else None,
        "late": _FLAGS.get(request.args.get("late", "")),
        "acknowledged": _FLAGS.get(request.args.get("acknowledged", "")),
    }
    visible = auth.visible_member_id()
    stmt = notices.list_query(today, member_id=visible, **filters)
    page = page_of(session, stmt.order_by(None).order_by(notices.Notice.id.desc()))
    names = _member_names(session, {n.member_id for n in page.items})
    return render_template(
        "console/notices/list.html",
        page=page,
        names=names,
        late={n.id: n.late_on(today) for n in page.items},
        args=request.args,
        form=SearchForm(formdata=None),
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
    notice = notices.get_notice(session, notice_id, auth.visible_member_id())
    form = AcknowledgeForm()
    if form.validate_on_submit() and form.acknowledge.data:
        notices.acknowledge(session, notice_id, auth.visible_member_id())
        flash(_("Thank you. Your acknowledgement has been recorded."), "success")
        return redirect(url_for("console.notice", notice_id=notice_id), 303)
    today = program_today(session)
    letter = notices.letter_for(session, notice)
    return render_template(
        "console/notices/page.html",
        notice=notice,
        member=session.get(Member, notice.member_id),
        letter=letter,
        late=notice.late_on(today),
        form=form,
    )
