"""Incidents: the list, and a member (or an administrator) reports one (seed 004 §5 ①
fields, victims). Each incident's page, with its claim, is in ``claims``."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from groupcover import auth, db
from groupcover.console.blueprint import bp, login_required
from groupcover.console.choices import options
from groupcover.console.forms import IncidentForm
from groupcover.console.messages import attach
from groupcover.console.paging import page_of
from groupcover.errors import DomainError
from groupcover.incidents import service as incidents
from groupcover.incidents.models import Incident
from groupcover.members.models import Member
from groupcover.program.service import program_today
from groupcover.suppliers.service import registrations_query


@bp.route("/console/incidents")
@login_required
def incidents_list():
    session = db.session()
    stmt = incidents.list_incidents_query(auth.visible_member_id())
    page = page_of(session, stmt.order_by(None).order_by(Incident.id.desc()))
    ids = {i.member_id for i in page.items}
    names = (
        dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())
        if ids
        else {}
    )
    return render_template("console/incidents/list.html", page=page, names=names)


def parse_victims(text: str) -> list[dict[str, str]]:
    """One victim per line, ``name, address`` (the address may be left out)."""
    victims = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, address = line.replace("、", ",").partition(",")
        victims.append({"name": name.strip()[:300], "address": address.strip()[:500]})
    return victims


def _choices(form: IncidentForm, session) -> None:
    visible = auth.visible_member_id()
    stmt = select(Member.id, Member.name).order_by(Member.name)
    if visible is not None:
        stmt = stmt.where(Member.id == visible)
    form.member_id.choices = options((m.id, m.name) for m in session.execute(stmt).all())
    member_id = visible if visible is not None else (form.member_id.data or None)
    regs = list(session.execute(registrations_query(member_id)).scalars()) if member_id else []
    form.registration_id.choices = options(
        [(0, _("The member company itself"))] + [(r.id, f"{r.name} ({r.domain})") for r in regs]
    )


@bp.route("/console/incidents/new", methods=["GET", "POST"])
@login_required
def incident_new():
    session = db.session()
    form = IncidentForm()
    if not g.user.is_admin:
        form.member_id.data = g.user.member_id
    _choices(form, session)
    status = 200
    if form.validate_on_submit():
        values = {
            "member_id": form.member_id.data,
            "registration_id": form.registration_id.data or None,
            "occurred_on": form.occurred_on.data,
            "occurred_at": form.occurred_at.data,
            "discovered_on": form.discovered_on.data,
            "place": form.place.data.strip(),
            "circumstances": form.circumstances.data.strip(),
            "cause": form.cause.data,
            "victims": parse_victims(form.victims.data),
        }
        auth.require_member_access(values["member_id"])
        try:
            incident = incidents.report_incident(session, values, program_today(session))
        except DomainError as exc:
            attach(form, exc)
            status = exc.status
        else:
            flash(_("Incident reported."), "success")
            return redirect(url_for("console.incident", incident_id=incident.id), 303)
    elif form.is_submitted():
        status = 422
    return render_template("console/incidents/new.html", form=form), status
