"""Member companies: the list (search, paging), enrolment, and a member's page with its
terms, suppliers, coverage and limit use, notices and incidents. A member user sees only its
own page; another member's is "not found", exactly like the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from groupcover import auth, db
from groupcover.console.blueprint import admin_required, bp, login_required
from groupcover.console.forms import (
    CancelTermForm,
    CredentialForm,
    DeregisterForm,
    MemberForm,
    SearchForm,
    SupplierForm,
    TermForm,
)
from groupcover.console.messages import attach, sentence
from groupcover.console.paging import page_of
from groupcover.coverage.service import member_coverage
from groupcover.errors import DomainError
from groupcover.incidents import service as incidents
from groupcover.incidents.models import Incident
from groupcover.members import service as members
from groupcover.notices import service as notices
from groupcover.program.service import program_today
from groupcover.suppliers import service as suppliers
from groupcover.terms import flows as term_flows
from groupcover.terms import service as terms


def requested_day(name: str = "on") -> date | None:
    """A ``YYYY-MM-DD`` query value, or None when absent or not a date."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/console/members")
@admin_required
def members_list():
    session = db.session()
    q = (request.args.get("q") or "").strip()
    page = page_of(session, members.list_members_query(name=q or None))
    return render_template(
        "console/members/list.html", page=page, q=q, form=SearchForm(formdata=None)
    )


@bp.route("/console/members/new", methods=["GET", "POST"])
@admin_required
def member_new():
    form = MemberForm()
    status = 200
    if form.validate_on_submit():
        values = {
            key: (getattr(form, key).data or "").strip() or None
            for key in ("name", "contact_email", "contact_name", "corporate_number")
        }
        values["vendor_account_id"] = (form.vendor_account_id.data or "").strip() or None
        try:
            member = members.create_member(db.session(), values)
        except DomainError as exc:
            attach(form, exc)
            status = exc.status
        else:
            flash(_("Member company enrolled."), "success")
            return redirect(url_for("console.member", member_id=member.id), 303)
    elif form.is_submitted():
        status = 422
    return render_template("console/members/new.html", form=form), status


def _member_context(member_id: int, **forms: Any) -> dict[str, Any]:
    auth.require_member_access(member_id)
    session = db.session()
    member = members.get_member(session, member_id)
    today = program_today(session)
    on = requested_day() or today
    coverage = member_coverage(session, member_id, on)
    payments = incidents.term_payments(session, coverage["term_id"]) if coverage["term_id"] else []
    regs = page_of(
        session, suppliers.registrations_query(member_id), size=25, param="suppliers_page"
    )
    member_notices = list(
        session.execute(notices.list_query(today, member_id=member_id).limit(50)).scalars()
    )
    member_incidents = list(
        session.execute(
            incidents.list_incidents_query(None, member_id=member_id)
            .order_by(None)
            .order_by(Incident.id.desc())
            .limit(50)
        ).scalars()
    )
    forms.setdefault("term_form", TermForm(formdata=None))
    forms.setdefault("supplier_form", SupplierForm(formdata=None, registered_on=today))
    forms.setdefault("credential_form", CredentialForm(formdata=None))
    return {
        "member": member,
        "today": today,
        "on": on,
        "coverage": coverage,
        "payments": payments,
        "terms": terms.member_terms(session, member_id),
        "registrations": regs,
        "notices": member_notices,
        "late": {n.id: n.late_on(today) for n in member_notices},
        "incidents": member_incidents,
        "cancel_form": CancelTermForm(formdata=None),
        "deregister_form": DeregisterForm(formdata=None, last_day=today),
        **forms,
    }


@bp.route("/console/members/<int:member_id>")
@login_required
def member(member_id: int):
    return render_template("console/members/page.html", **_member_context(member_id))


def _done(member_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("console.member", member_id=member_id), 303)


def _failed(member_id: int, status: int = 422, **forms: Any):
    return render_template(
        "console/members/page.html", **_member_context(member_id, **forms)
    ), status


@bp.route("/console/members/<int:member_id>/terms", methods=["POST"])
@admin_required
def term_add(member_id: int):
    form = TermForm()
    if form.validate_on_submit():
        try:
            term_flows.create_term(
                db.session(), member_id, form.start_date.data, form.end_date.data
            )
        except DomainError as exc:
            attach(form, exc)
            return _failed(member_id, exc.status, term_form=form)
        return _done(member_id, _("Term added."))
    return _failed(member_id, term_form=form)


@bp.route("/console/members/<int:member_id>/terms/<int:term_id>/cancel", methods=["POST"])
@admin_required
def term_cancel(member_id: int, term_id: int):
    return _end_on_last_day(
        member_id,
        CancelTermForm(),
        lambda day: terms.cancel_term(db.session(), member_id, term_id, day),
        _("Term cancelled."),
    )


@bp.route("/console/members/<int:member_id>/suppliers", methods=["POST"])
@admin_required
def supplier_add(member_id: int):
    form = SupplierForm()
    if form.validate_on_submit():
        try:
            suppliers.register(
                db.session(),
                member_id,
                domain=form.domain.data,
                name=form.name.data.strip(),
                registered_on=form.registered_on.data,
            )
        except DomainError as exc:
            attach(form, exc)
            return _failed(member_id, exc.status, supplier_form=form)
        return _done(member_id, _("Supplier registered."))
    return _failed(member_id, supplier_form=form)


@bp.route(
    "/console/members/<int:member_id>/suppliers/<int:registration_id>/deregister",
    methods=["POST"],
)
@admin_required
def supplier_deregister(member_id: int, registration_id: int):
    return _end_on_last_day(
        member_id,
        DeregisterForm(),
        lambda day: suppliers.deregister(db.session(), member_id, registration_id, day),
        _("Supplier deregistered."),
    )


def _end_on_last_day(member_id: int, form, end, done_message: str):
    """A term cancelled or a supplier deregistered: both end something after a last day."""
    if form.validate_on_submit():
        try:
            end(form.last_day.data)
        except DomainError as exc:
            _refused(exc)
            return redirect(url_for("console.member", member_id=member_id), 303)
        return _done(member_id, done_message)
    flash(_("Enter the last day."), "error")
    return redirect(url_for("console.member", member_id=member_id), 303)


@bp.route("/console/members/<int:member_id>/vendor-credential", methods=["POST"])
@admin_required
def credential_set(member_id: int):
    form = CredentialForm()
    if form.validate_on_submit():
        session = db.session()
        members.set_vendor_credential(
            session, members.get_member(session, member_id), form.token.data.strip()
        )
        return _done(member_id, _("Vendor credential saved."))
    return _failed(member_id, credential_form=form)


def _refused(exc: DomainError) -> None:
    """Nothing of a refused change is kept; the reason is shown on the page it returns to."""
    db.session().rollback()
    flash(sentence(exc), "error")
