"""Administrators' pages: the dashboard, coverage-terms changes (form → preview → publish;
withdraw one not yet in force), sync runs and "run now", the audit trail, and users (invite,
deactivate)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from groupcover import audit, db
from groupcover.console.blueprint import admin_required, bp
from groupcover.console.choices import options
from groupcover.console.format import day
from groupcover.console.forms import ActionForm, CoverageChangeForm, UserForm, WithdrawForm
from groupcover.console.messages import attach, sentence
from groupcover.console.paging import count, page_of
from groupcover.coverage_terms import flows as publication
from groupcover.coverage_terms import service as versions
from groupcover.errors import DomainError
from groupcover.incidents import service as incidents
from groupcover.members.models import Member
from groupcover.notices import service as notices
from groupcover.notices import withdraw as withdrawal
from groupcover.program.service import program_today
from groupcover.sync import service as sync
from groupcover.terms import service as terms
from groupcover.users import service as users

RENEWAL_WINDOW_DAYS = 60


def _member_names(session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


@bp.route("/console")
@admin_required
def dashboard():
    session = db.session()
    today = program_today(session)
    ending = terms.expiring(session, today, RENEWAL_WINDOW_DAYS)[:20]
    notice_counts = {
        "pending": count(session, notices.list_query(today, status="pending")),
        "sent": count(session, notices.list_query(today, status="sent")),
        "failed": count(session, notices.list_query(today, status="failed")),
        "late": count(session, notices.list_query(today, late=True)),
        "unacknowledged": count(
            session, notices.list_query(today, status="sent", acknowledged=False)
        ),
    }
    open_incidents = list(session.execute(incidents.open_incidents_query().limit(10)).scalars())
    last_run = session.execute(sync.runs_query().limit(1)).scalar_one_or_none()
    failures = (
        [r for r in sync.run_results(session, last_run.id) if r.status == "failed"]
        if last_run
        else []
    )
    names = _member_names(
        session,
        [t["member_id"] for t in ending]
        + [i.member_id for i in open_incidents]
        + [r.member_id for r in failures],
    )
    return render_template(
        "console/dashboard.html",
        today=today,
        members=session.execute(select(func.count(Member.id))).scalar_one(),
        ending=ending,
        notice_counts=notice_counts,
        open_incidents=open_incidents,
        open_incident_count=count(session, incidents.open_incidents_query()),
        last_run=last_run,
        failures=failures,
        names=names,
        window=RENEWAL_WINDOW_DAYS,
    )


def _change(form: CoverageChangeForm) -> versions.Change:
    return versions.Change(
        effective_date=form.effective_date.data,
        per_incident_limit=form.per_incident_limit.data,
        aggregate_limit=form.aggregate_limit.data,
        summary_ja=form.summary_ja.data.strip(),
        summary_en=form.summary_en.data.strip(),
        override_reason=(form.override_reason.data or "").strip() or None,
    )


@bp.route("/console/coverage-terms", methods=["GET", "POST"])
@admin_required
def coverage_terms():
    """The form; "Preview" shows what publishing would do; "Publish" (from the preview) does it."""
    session = db.session()
    today = program_today(session)
    form = CoverageChangeForm()
    preview = None
    status = 200
    if form.validate_on_submit():
        change = _change(form)
        try:
            if form.publish.data:
                _version, created = publication.publish(session, change, today)
                flash(
                    _("Published. %(n)d notice(s) will be sent.", n=created),
                    "success",
                )
                return redirect(url_for("console.notices_list", status="pending"), 303)
            preview = publication.preview(session, change, today)
        except DomainError as exc:
            attach(form, exc)
            status = exc.status
    elif form.is_submitted():
        status = 422
    return _coverage_terms_page(form, preview, status)


def _coverage_terms_page(
    form: CoverageChangeForm,
    preview=None,
    status: int = 200,
    failed: tuple[int, WithdrawForm] | None = None,
):
    """The page; each version not yet in force carries its withdraw form (``failed``: the one
    just refused, with its message)."""
    session = db.session()
    today = program_today(session)
    published = list(session.execute(versions.versions_query()).scalars())
    withdraw_forms = {
        v.id: WithdrawForm(formdata=None, prefix=f"withdraw-{v.id}")
        for v in published
        if v.effective_date > today and v.withdrawn_at is None
    }
    alert = None
    if failed is not None:
        version_id, refused = failed
        if version_id in withdraw_forms:
            withdraw_forms[version_id] = refused
        else:
            alert = refused
    return (
        render_template(
            "console/coverage_terms.html",
            form=form,
            preview=preview,
            today=today,
            versions=published,
            withdraw_forms=withdraw_forms,
            withdraw_alert=alert,
        ),
        status,
    )


@bp.route("/console/coverage-terms/<int:coverage_terms_id>/withdraw", methods=["POST"])
@admin_required
def coverage_terms_withdraw(coverage_terms_id: int):
    """Withdraw a change not yet in force (the service of ``POST /api/v1/coverage-terms/{id}/
    withdraw``): its pending notices are cancelled, members already told get a letter."""
    session = db.session()
    form = WithdrawForm(prefix=f"withdraw-{coverage_terms_id}")
    status = 422
    if form.validate_on_submit():
        try:
            done = withdrawal.withdraw(
                session, coverage_terms_id, form.reason.data, program_today(session)
            )
        except DomainError as exc:
            attach(form, exc)
            status = exc.status
        else:
            flash(
                _(
                    "The change effective %(day)s is withdrawn: %(cancelled)d notice(s) not "
                    "yet sent were cancelled and %(letters)d withdrawal letter(s) were queued.",
                    day=day(done.version.effective_date),
                    cancelled=done.notices_cancelled,
                    letters=done.withdrawal_letters,
                ),
                "success",
            )
            return redirect(url_for("console.coverage_terms"), 303)
    return _coverage_terms_page(
        CoverageChangeForm(formdata=None), status=status, failed=(coverage_terms_id, form)
    )


@bp.route("/console/sync-runs", methods=["GET", "POST"])
@admin_required
def sync_runs():
    session = db.session()
    form = ActionForm()
    if form.validate_on_submit():
        settings = sync.SyncSettings.from_config(current_app.config)
        session.commit()  # the run writes in transactions of its own (see the API)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        try:
            sync.start_in_background(app, settings, "incremental", g.user.label)
        except DomainError as exc:
            flash(sentence(exc), "error")
        else:
            flash(_("Sync run started."), "success")
        return redirect(url_for("console.sync_runs"), 303)
    page = page_of(session, sync.runs_query())
    latest = page.items[0] if page.items and page.number == 1 else None
    results = sync.run_results(session, latest.id) if latest else []
    return render_template(
        "console/sync_runs.html",
        page=page,
        latest=latest,
        results=results,
        names=_member_names(session, [r.member_id for r in results]),
        form=ActionForm(formdata=None),
    )


@bp.route("/console/audit")
@admin_required
def audit_trail():
    session = db.session()
    filters = {k: request.args[k] for k in ("entity", "action") if request.args.get(k)}
    page = page_of(session, audit.entries_query(filters), size=50)
    return render_template("console/audit.html", page=page, args=request.args)


@bp.route("/console/users", methods=["GET", "POST"])
@admin_required
def users_page():
    from groupcover.console.views.signin import mail_link

    session = db.session()
    form = UserForm()
    members = session.execute(select(Member.id, Member.name).order_by(Member.name)).all()
    form.member_id.choices = options([(0, "—")] + [(m.id, m.name) for m in members])
    status = 200
    if form.validate_on_submit():
        try:
            user = users.create_user(
                session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                member_id=form.member_id.data or None,
            )
        except DomainError as exc:
            attach(form, exc)
            status = exc.status
        else:
            plain = users.issue_link(session, user, current_app.config["SIGN_IN_LINK_MINUTES"])
            if mail_link(user.name, user.email, plain):
                flash(_("Invitation sent."), "success")
            else:
                flash(_("The user was created, but the invitation could not be mailed."), "error")
            return redirect(url_for("console.users_page"), 303)
    elif form.is_submitted():
        status = 422
    page = page_of(session, users.users_query(q=request.args.get("q") or None))
    return (
        render_template(
            "console/users.html",
            form=form,
            page=page,
            names=_member_names(session, [u.member_id for u in page.items]),
            action=ActionForm(formdata=None),
        ),
        status,
    )


@bp.route("/console/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id: int):
    ActionForm()
    session = db.session()
    user = users.get_user(session, user_id)
    active = request.form.get("active") == "1"
    if user.id == g.user.user_id and not active:
        flash(_("You cannot deactivate yourself."), "error")
    else:
        users.set_active(session, user, active)
        flash(_("User activated.") if active else _("User deactivated."), "success")
    return redirect(url_for("console.users_page"), 303)
