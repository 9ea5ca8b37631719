"""HTTP for incidents (事故), their costs, the decision, the claim and its payments.
Thin: auth, then service."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from groupcover import audit, auth, db
from groupcover.guard import large_body
from groupcover.incidents import service, victims_csv
from groupcover.incidents.models import Incident
from groupcover.incidents.schemas import (
    ApprovalSchema,
    ClaimCompleteSchema,
    CostLineSchema,
    DecisionSchema,
    DeductionSchema,
    DocumentsUpdateSchema,
    EventSchema,
    IncidentCreateSchema,
    IncidentDetailSchema,
    IncidentPatchSchema,
    IncidentQuerySchema,
    IncidentSchema,
    OverdueQuerySchema,
    PaymentSchema,
    ReversalSchema,
    VictimSchema,
)
from groupcover.program.service import program_today
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "incidents",
    __name__,
    url_prefix="/api/v1/incidents",
    description="Incidents (事故), cost claims (費用損害) in the seed's four cost groups, the "
    "insurer's decision, approvals, deductions and payments within the limits (C3).",
)

_ERRORS = {
    404: "unknown incident, or another member's",
}


def _visible(incident_id: int) -> Incident:
    return service.get_incident(db.session(), incident_id, auth.visible_member_id())


def _admin_incident(incident_id: int) -> Incident:
    auth.require_admin()
    return service.get_incident(db.session(), incident_id, None)


def _internal() -> bool:
    return auth.visible_member_id() is None


def _detail(incident: Incident) -> dict[str, Any]:
    return {
        **service.incident_view(incident, _internal()),
        "documents": service.documents_status(incident),
    }


def _list(rows: list[Incident]) -> list[dict[str, Any]]:
    internal = _internal()
    return [service.incident_view(i, internal) for i in rows]


@blp.route("")
class IncidentsView(MethodView):
    @blp.arguments(IncidentQuerySchema, location="query")
    @blp.response(200, IncidentSchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """List incidents (filter by ``member_id``, ``covered``, ``status``); a member token
        sees only its own."""
        stmt = service.list_incidents_query(auth.visible_member_id(), **query)
        return _list(paginate_query(db.session(), stmt, pagination_parameters))

    @blp.arguments(IncidentCreateSchema)
    @blp.response(201, IncidentDetailSchema)
    @blp.alt_response(404, description="unknown member, or another member's")
    def post(self, values):
        """Report an incident (seed 004 §5①) and get the coverage answer at once.

        Administrators, or the member itself. One 事故 is one incident: every cost of it,
        whatever its group, draws on the one per-incident limit. Not-covered incidents are
        recorded too, with ``covered: false`` and a ``reason`` (``not_insured_on_occurred_on``,
        ``known_before_period`` ⑩, ``discovered_before_period`` ⑪; ⑩ ⑪ count from the first
        day of a chain of terms renewed without a gap)."""
        auth.require_member_access(values["member_id"])
        session = db.session()
        incident = service.report_incident(session, values, program_today(session))
        return _detail(incident)


@blp.route("/overdue")
class OverdueView(MethodView):
    @blp.arguments(OverdueQuerySchema, location="query")
    @blp.response(200, IncidentSchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """Claims past ``pay_by`` (extended or not) that are neither paid in full nor declined
        (administrators)."""
        auth.require_admin()
        session = db.session()
        stmt = service.overdue_query(query.get("on") or program_today(session))
        return _list(paginate_query(session, stmt, pagination_parameters))


@blp.route("/<int:incident_id>")
class IncidentView(MethodView):
    @blp.response(200, IncidentDetailSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    def get(self, incident_id):
        """An incident with its status, totals (claimed, approved, deducted, paid), the
        decision, ``victims_count`` and the claim-documents checklist."""
        return _detail(_visible(incident_id))

    @blp.arguments(IncidentPatchSchema)
    @blp.response(200, IncidentDetailSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    def patch(self, values, incident_id):
        """``{cause: "attack"}`` on a suspected attack: the attack is confirmed on the same
        incident (administrators). Its suspected-attack lines stay; group ``other`` opens; new
        suspected-attack incident-response lines (エ, シ, ス) are refused. Any other change of
        cause → 422."""
        incident = _admin_incident(incident_id)
        session = db.session()
        return _detail(
            service.confirm_attack(session, incident, values["cause"], program_today(session))
        )


@blp.route("/<int:incident_id>/timeline")
class TimelineView(MethodView):
    @blp.response(200, EventSchema(many=True))
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """Every dated event of the incident in order, with who caused it. A member reads its
        own incidents' timeline without the internal notes."""
        incident = _visible(incident_id)
        rows = paginate_query(db.session(), service.timeline_query(incident), pagination_parameters)
        hide = set() if _internal() else {"note"}
        return [e.model_dump(exclude=hide) for e in rows]


@blp.route("/<int:incident_id>/costs")
class CostsView(MethodView):
    @blp.response(200, CostLineSchema(many=True))
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """The incident's cost lines: group, category, claimed and approved amounts, and the
        cost table's notes that bound the approval."""
        incident = _visible(incident_id)
        rows = paginate_query(db.session(), service.costs_query(incident), pagination_parameters)
        return [service.cost_view(line) for line in rows]

    @blp.arguments(CostLineSchema)
    @blp.response(201, CostLineSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    def post(self, values, incident_id):
        """Claim a cost. ``group`` defaults to the cause's own; ``regulatory`` is allowed on
        every incident; a group, category or item the seed 004 §3 table does not allow → 422
        naming the allowed ones. An individual condolence may be ``persons`` × ``unit_yen``."""
        session = db.session()
        line = service.add_cost(session, _visible(incident_id), values, program_today(session))
        return service.cost_view(line)


@blp.route("/<int:incident_id>/costs/<int:cost_id>")
class CostView(MethodView):
    @blp.arguments(ApprovalSchema)
    @blp.response(200, CostLineSchema)
    @blp.alt_response(404, description="unknown incident or cost line")
    @blp.alt_response(409, description="declined, or below what is already paid")
    def patch(self, values, incident_id, cost_id):
        """Set the approved amount of one line (administrators): 0 ≤ approved ≤ claimed
        (else 422). It can be lowered only while approved less deductions stays at or above
        what is already paid (else 409 with ``lowest_allowed``). The response lists the cost
        table's notes for the line (no ransom; recurrence prevention one-off; no portable
        devices in system repair)."""
        incident = _admin_incident(incident_id)
        session = db.session()
        line = service.set_approved(
            session, incident, cost_id, values["approved_yen"], program_today(session)
        )
        return service.cost_view(line)


@blp.route("/<int:incident_id>/decision")
class DecisionView(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, IncidentDetailSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.alt_response(409, description="a different decision while a payment stands")
    def post(self, values, incident_id):
        """The insurer's decision (administrators). ``accepted`` approves every line not yet
        approved at its claimed amount; ``declined`` needs ``exclusion``, the seed 004 §4
        number "1"…"19" (①–⑲), and nothing can then be paid. A not-covered incident can only
        be declined (422). Repeating the decision changes nothing; it can be changed while
        nothing is paid (409 once a payment stands)."""
        incident = _admin_incident(incident_id)
        session = db.session()
        return _detail(
            service.decide(
                session,
                incident,
                values["decision"],
                values.get("exclusion"),
                values.get("note"),
                program_today(session),
            )
        )


@blp.route("/<int:incident_id>/deductions")
class DeductionsView(MethodView):
    @blp.response(200, DeductionSchema(many=True))
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """The §5 deductions on the incident."""
        incident = _visible(incident_id)
        return paginate_query(
            db.session(), service.deductions_query(incident), pagination_parameters
        )

    @blp.arguments(DeductionSchema)
    @blp.response(201, DeductionSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.alt_response(409, description="more than is approved and not yet paid, or declined")
    def post(self, values, incident_id):
        """Deduct for a §5 duty (``duty`` "1"…"7") not kept without good reason
        (administrators); only on an accepted incident (422), never more than approved less
        deductions less paid (409)."""
        incident = _admin_incident(incident_id)
        session = db.session()
        return service.add_deduction(
            session,
            incident,
            values["amount_yen"],
            values["duty"],
            values["reason"],
            program_today(session),
        )


@blp.route("/<int:incident_id>/documents")
class DocumentsView(MethodView):
    @blp.arguments(DocumentsUpdateSchema)
    @blp.response(200, IncidentDetailSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.alt_response(409, description="the claim is already complete")
    def put(self, values, incident_id):
        """Update the claim-documents checklist (seed 004 §5⑦ ア–エ) (administrators)."""
        incident = _admin_incident(incident_id)
        session = db.session()
        return _detail(
            service.update_documents(session, incident, values["documents"], program_today(session))
        )


@blp.route("/<int:incident_id>/claim-complete")
class ClaimCompleteView(MethodView):
    @blp.arguments(ClaimCompleteSchema)
    @blp.response(200, IncidentDetailSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.alt_response(409, description="already complete (on another day), or not later")
    def post(self, values, incident_id):
        """Mark the claim complete (administrators): ``pay_by`` = ``completed_on`` + 29 days,
        the 30 days of §6① counted with the completion day as day 1.

        A later ``extended_pay_by`` needs ``extension_reason`` (``public_inquiry``,
        ``expert_appraisal``, ``disaster_area``, ``overseas``, ``other``) and queues a
        ``payment_extension`` letter to the member naming what must be confirmed and by when.
        It may come with the completion or later (same ``completed_on``, a later date)."""
        incident = _admin_incident(incident_id)
        session = db.session()
        return _detail(
            service.complete_claim(
                session,
                incident,
                values["completed_on"],
                program_today(session),
                values.get("extended_pay_by"),
                values.get("extension_reason"),
                values.get("extension_detail"),
            )
        )


@blp.route("/<int:incident_id>/payments")
class PaymentsView(MethodView):
    @blp.response(200, PaymentSchema(many=True))
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """The payments made on the incident, reversed ones included (with the reason)."""
        incident = _visible(incident_id)
        return paginate_query(db.session(), service.payments_query(incident), pagination_parameters)

    @blp.arguments(PaymentSchema)
    @blp.response(201, PaymentSchema)
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.alt_response(
        409,
        description="would pass approved less deductions (approved_exceeded), the per-incident "
        "limit or the member's aggregate; the body gives what remains",
    )
    def post(self, values, incident_id):
        """Pay on an accepted incident (administrators); 422 unless accepted and covered.
        A payment that takes the member's aggregate paid to 50 %, 80 % or 100 % of the
        aggregate limit queues one ``limit_alert`` letter per threshold and coverage period."""
        auth.require_admin()
        session = db.session()
        result = service.record_payment(
            session, incident_id, values["amount_yen"], values["paid_on"], program_today(session)
        )
        return {
            **result.payment.model_dump(),
            "approved_remaining": result.approved_remaining,
            "per_incident_remaining": result.per_incident_remaining,
            "aggregate_remaining": result.aggregate_remaining,
        }


@blp.route("/<int:incident_id>/payments/<int:payment_id>/reverse")
class ReverseView(MethodView):
    @blp.arguments(ReversalSchema)
    @blp.response(200, PaymentSchema)
    @blp.alt_response(404, description="unknown incident or payment")
    @blp.alt_response(409, description="already reversed")
    def post(self, values, incident_id, payment_id):
        """Reverse a payment recorded in error (administrators): kept with the reason, never
        deleted; its amount is headroom again on the incident and in the coverage period."""
        incident = _admin_incident(incident_id)
        session = db.session()
        return service.reverse_payment(
            session, incident, payment_id, values["reason"], program_today(session)
        )


@blp.route("/<int:incident_id>/victims")
class VictimsView(MethodView):
    @blp.response(200, VictimSchema(many=True))
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """The victims (names and addresses) in clear, paged: the administrator and the
        incident's member only. Each such read of personal data is audited (who, when, which
        incident; never the data)."""
        incident = _visible(incident_id)
        people = service.victims(incident)
        audit.record_read(db.session(), "incident.victims.read", "incident", incident.id)
        pagination_parameters.item_count = len(people)
        first = pagination_parameters.first_item
        return people[first : first + pagination_parameters.page_size]

    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "name,address\n山田 太郎,東京都新宿区西新宿2-1-1\n",
                }
            },
        }
    )
    @blp.response(200, IncidentDetailSchema)
    @blp.alt_response(400, description="not CSV, undecodable, or no name,address header")
    @blp.alt_response(404, description=_ERRORS[404])
    @blp.alt_response(413, description="body larger than the import limit")
    @blp.alt_response(422, description="bad rows (each listed) or more than 100,000 rows")
    @large_body()
    def put(self, incident_id):
        """Replace the victims list with a CSV body (``name,address`` header; UTF-8 with or
        without BOM, or CP932 as Excel writes it; up to 100,000 rows), administrators or the
        incident's member. Stored encrypted; the incident shows ``victims_count``."""
        incident = _visible(incident_id)
        rows = victims_csv.parse(victims_csv.read_body(request))
        session = db.session()
        return _detail(service.replace_victims(session, incident, rows, program_today(session)))
