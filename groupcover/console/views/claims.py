"""The claim on an incident's page (seed 004 §3–§6): what everyone allowed on the incident
reads (totals, limits left, cost lines by group, documents, deductions, payments, timeline),
and the administrators' forms that run the claim through the same service functions as the
API, in the request's one transaction (a refused change leaves nothing behind)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlmodel import Session

from groupcover import audit, auth, db
from groupcover.console import claim_forms as cf
from groupcover.console.blueprint import admin_required, bp, login_required
from groupcover.console.choices import labels
from groupcover.console.forms import CAUSE_CHOICES
from groupcover.console.messages import attach
from groupcover.coverage_terms.service import limits_on
from groupcover.errors import DomainError, NotFound
from groupcover.incidents import service as incidents
from groupcover.incidents.models import Incident
from groupcover.members.models import Member
from groupcover.program.service import program_today
from groupcover.rules import claims as claim_rules
from groupcover.rules import costs as cost_rules
from groupcover.rules import limits as limit_rules
from groupcover.terms.models import Term

ACCEPTED = claim_rules.Decision.ACCEPTED.value


# ---- the page --------------------------------------------------------------------------------


def limits_left(session: Session, incident: Incident) -> dict[str, int | None]:
    """C3 for this claim: the limits of the version in force on ``occurred_on``, what is left
    on the incident and in the member's coverage period, and the largest payment allowed now."""
    limits = limits_on(session, incident.occurred_on)
    term = session.get(Term, incident.term_id) if incident.term_id is not None else None
    aggregate_paid = term.aggregate_paid if term is not None else 0
    accepted = incident.decision == ACCEPTED and incident.covered
    headroom = limit_rules.payment_headroom(
        limits,
        incident.paid_yen,
        aggregate_paid,
        incident.approved_yen - incident.deducted_yen if accepted else None,
    )
    return {
        "per_incident_limit": limits.per_incident,
        "aggregate_limit": limits.aggregate,
        "aggregate_paid": aggregate_paid if term is not None else None,
        "per_incident_remaining": headroom.per_incident_remaining,
        "aggregate_remaining": headroom.aggregate_remaining if term is not None else None,
        "payable_now": headroom.payable if accepted and term is not None else 0,
    }


def _documents_data(documents: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for doc in documents:
        prefix = cf.DOCUMENT_FIELDS[doc["code"]]
        data[f"{prefix}_requested"] = doc["requested"]
        data[f"{prefix}_received_on"] = doc["received_on"]
    return data


def _cost_form(incident: Incident, form: cf.CostForm) -> cf.CostForm:
    groups = cost_rules.allowed_groups(
        cost_rules.Cause(incident.cause), incident.confirmed_on is not None
    )
    form.category.choices = cf.cost_choices(groups)
    return form


def _admin_forms(
    incident: Incident, claim: dict[str, Any], left: dict[str, Any], today: date, given: dict
) -> dict[str, Any]:
    """Every form of the page, blank or filled with the current state; ``given`` holds the
    one just posted (with its errors)."""
    lines = [line for group in claim["groups"] for line in group["lines"]]
    approvals = {
        line["id"]: cf.ApprovalForm(
            formdata=None,
            prefix=f"line{line['id']}-",
            approved_yen=line["amount_yen"]
            if line["approved_yen"] is None
            else line["approved_yen"],
        )
        for line in lines
    }
    approvals.update(given.pop("approvals", {}))
    reversals = {
        p["id"]: cf.ReversalForm(formdata=None, prefix=f"reverse{p['id']}-")
        for p in claim["payments"]
        if p["reversed_on"] is None
    }
    reversals.update(given.pop("reversals", {}))
    forms: dict[str, Any] = {
        "cost_form": _cost_form(incident, cf.CostForm(formdata=None, incurred_on=today)),
        "decision_form": cf.DecisionForm(
            formdata=None, decision=incident.decision or ACCEPTED, exclusion=incident.exclusion
        ),
        "deduction_form": cf.DeductionForm(formdata=None),
        "documents_form": cf.DocumentsForm(
            formdata=None, data=_documents_data(incidents.documents_status(incident))
        ),
        "complete_form": cf.ClaimCompleteForm(
            formdata=None, completed_on=incident.completed_on or today
        ),
        "payment_form": cf.PaymentForm(
            formdata=None, paid_on=today, amount_yen=left["payable_now"] or None
        ),
        "confirm_form": cf.ConfirmAttackForm(formdata=None),
        "approvals": approvals,
        "reversals": reversals,
    }
    forms.update(given)
    return forms


def claim_page(incident_id: int, status: int = 200, **given: Any):
    """The incident's page; administrators also get the claim's forms."""
    session = db.session()
    incident = incidents.get_incident(session, incident_id, auth.visible_member_id())
    internal = g.user.is_admin
    claim = incidents.claim_view(session, incident, internal)
    for event in claim["timeline"]:  # pay_by is kept as ISO text in the event's detail
        if isinstance(event["detail"].get("pay_by"), str):
            event["detail"] = {
                **event["detail"],
                "pay_by": date.fromisoformat(event["detail"]["pay_by"]),
            }
    left = limits_left(session, incident)
    today = program_today(session)
    victims = incidents.victims(incident)
    if victims:  # personal data shown: audited like the API's read (who, when; not the data)
        audit.record_read(session, "incident.victims.read", "incident", incident.id)
    context: dict[str, Any] = {
        "incident": incident,
        "claim": claim,
        "left": left,
        "member": session.get(Member, incident.member_id),
        "victims": victims,
        "documents": incidents.documents_status(incident),
        "labels": {
            "groups": {grp.value: label for grp, label in cf.GROUP_LABELS.items()},
            "categories": {c.value: label for c, label in cf.CATEGORY_LABELS.items()},
            "exclusions": labels(cf.EXCLUSION_CHOICES),
            "duties": labels(cf.DUTY_CHOICES),
            "extensions": {r.value: label for r, label in cf.EXTENSION_LABELS.items()},
        },
        "causes": labels(CAUSE_CHOICES),
        "document_fields": cf.DOCUMENT_FIELDS,
        "suspected": incident.cause == cost_rules.Cause.SUSPECTED_ATTACK.value,
    }
    if internal:
        context.update(_admin_forms(incident, claim, left, today, given))
    return render_template("console/incidents/page.html", **context), status


@bp.route("/console/incidents/<int:incident_id>")
@login_required
def incident(incident_id: int):
    return claim_page(incident_id)


# ---- the administrators' forms ------------------------------------------------------------------


Run = Callable[[Session, Incident, date], object]
Slot = str | tuple[str, int]
"""Where the posted form goes on the page again: its name, or a row form's (name, row id)."""


def _submit(incident: Incident, form: FlaskForm, run: Run, done: str, slot: Slot):
    """Validate, run the service inside the request's transaction, then 303 back to the page
    with a flash; a refusal rolls back and shows the page again with the message at the
    field and the error's status (422 for a form that does not validate)."""
    incident_id = incident.id
    assert incident_id is not None
    if not form.validate_on_submit():
        return claim_page(incident_id, 422, **_given(form, slot))
    session = db.session()
    try:
        run(session, incident, program_today(session))
    except NotFound:
        raise
    except DomainError as exc:
        session.rollback()
        attach(form, exc)
        return claim_page(incident_id, exc.status, **_given(form, slot))
    flash(done, "success")
    return redirect(url_for("console.incident", incident_id=incident_id), 303)


def _given(form: FlaskForm, slot: Slot) -> dict[str, Any]:
    if isinstance(slot, tuple):
        name, row = slot
        return {name: {row: form}}
    return {slot: form}


def _incident(incident_id: int) -> Incident:
    return incidents.get_incident(db.session(), incident_id, None)


@bp.route("/console/incidents/<int:incident_id>/costs", methods=["POST"])
@admin_required
def claim_cost(incident_id: int):
    incident = _incident(incident_id)
    form = _cost_form(incident, cf.CostForm())

    def run(session: Session, item: Incident, today: date) -> object:
        group, _sep, category = (form.category.data or "").partition("/")
        values = {
            "group": group,
            "category": category,
            "item": form.item.data or None,
            "amount_yen": form.amount_yen.data,
            "persons": form.persons.data,
            "unit_yen": form.unit_yen.data,
            "incurred_on": form.incurred_on.data,
            "description": form.description.data.strip(),
        }
        return incidents.add_cost(session, item, values, today)

    return _submit(incident, form, run, _("Cost added."), "cost_form")


@bp.route("/console/incidents/<int:incident_id>/costs/<int:cost_id>/approve", methods=["POST"])
@admin_required
def claim_approve(incident_id: int, cost_id: int):
    incident = _incident(incident_id)
    form = cf.ApprovalForm(prefix=f"line{cost_id}-")
    return _submit(
        incident,
        form,
        lambda s, i, today: incidents.set_approved(s, i, cost_id, form.approved_yen.data, today),
        _("Approved amount saved."),
        ("approvals", cost_id),
    )


@bp.route("/console/incidents/<int:incident_id>/decision", methods=["POST"])
@admin_required
def claim_decide(incident_id: int):
    form = cf.DecisionForm()
    return _submit(
        _incident(incident_id),
        form,
        lambda s, i, today: incidents.decide(
            s,
            i,
            form.decision.data,
            form.exclusion.data or None,
            (form.note.data or "").strip() or None,
            today,
        ),
        _("Decision recorded."),
        "decision_form",
    )


@bp.route("/console/incidents/<int:incident_id>/deductions", methods=["POST"])
@admin_required
def claim_deduct(incident_id: int):
    form = cf.DeductionForm()
    return _submit(
        _incident(incident_id),
        form,
        lambda s, i, today: incidents.add_deduction(
            s, i, form.amount_yen.data, form.duty.data, form.reason.data.strip(), today
        ),
        _("Deduction recorded."),
        "deduction_form",
    )


@bp.route("/console/incidents/<int:incident_id>/documents", methods=["POST"])
@admin_required
def claim_documents(incident_id: int):
    form = cf.DocumentsForm()

    def run(session: Session, item: Incident, today: date) -> object:
        changes = [
            {
                "code": code,
                "requested": bool(form[f"{prefix}_requested"].data),
                "received_on": form[f"{prefix}_received_on"].data,
            }
            for code, prefix in cf.DOCUMENT_FIELDS.items()
        ]
        return incidents.update_documents(session, item, changes, today)

    return _submit(
        _incident(incident_id), form, run, _("Documents checklist saved."), "documents_form"
    )


@bp.route("/console/incidents/<int:incident_id>/claim-complete", methods=["POST"])
@admin_required
def claim_complete(incident_id: int):
    form = cf.ClaimCompleteForm()
    return _submit(
        _incident(incident_id),
        form,
        lambda s, i, today: incidents.complete_claim(
            s,
            i,
            form.completed_on.data,
            today,
            form.extended_pay_by.data,
            form.extension_reason.data or None,
            (form.extension_detail.data or "").strip() or None,
        ),
        _("Claim completion recorded."),
        "complete_form",
    )


@bp.route("/console/incidents/<int:incident_id>/payments", methods=["POST"])
@admin_required
def claim_pay(incident_id: int):
    form = cf.PaymentForm()
    return _submit(
        _incident(incident_id),
        form,
        lambda s, i, today: incidents.record_payment(
            s, incident_id, form.amount_yen.data, form.paid_on.data, today
        ),
        _("Payment recorded."),
        "payment_form",
    )


@bp.route(
    "/console/incidents/<int:incident_id>/payments/<int:payment_id>/reverse", methods=["POST"]
)
@admin_required
def claim_reverse(incident_id: int, payment_id: int):
    form = cf.ReversalForm(prefix=f"reverse{payment_id}-")
    return _submit(
        _incident(incident_id),
        form,
        lambda s, i, today: incidents.reverse_payment(
            s, i, payment_id, form.reason.data.strip(), today
        ),
        _("Payment reversed."),
        ("reversals", payment_id),
    )


@bp.route("/console/incidents/<int:incident_id>/confirm-attack", methods=["POST"])
@admin_required
def claim_confirm_attack(incident_id: int):
    form = cf.ConfirmAttackForm()
    return _submit(
        _incident(incident_id),
        form,
        lambda s, i, today: incidents.confirm_attack(s, i, cost_rules.Cause.ATTACK.value, today),
        _("Attack confirmed on this incident."),
        "confirm_form",
    )
