"""HTTP for incidents (事故), their costs, the claim and its payments. Thin: auth, then service."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from groupcover import audit, auth, db
from groupcover.incidents import service
from groupcover.incidents.models import Incident
from groupcover.incidents.schemas import (
    ClaimCompleteSchema,
    CostLineSchema,
    DocumentsUpdateSchema,
    IncidentCreateSchema,
    IncidentDetailSchema,
    IncidentPatchSchema,
    IncidentQuerySchema,
    IncidentSchema,
    OverdueQuerySchema,
    PaymentSchema,
)
from groupcover.program.service import program_today
from groupcover.web import Blueprint, paginate_query

blp = Blueprint(
    "incidents",
    __name__,
    url_prefix="/api/v1/incidents",
    description="Incidents (事故), cost claims (費用損害) and payments within the limits (C3).",
)


def _visible(incident_id: int) -> Incident:
    return service.get_incident(db.session(), incident_id, auth.visible_member_id())


def _detail(incident: Incident) -> dict[str, Any]:
    """The incident as answered, victims included: that read of personal data is audited."""
    victims = service.victims(incident)
    audit.record_read(db.session(), "incident.victims.read", "incident", incident.id)
    return {
        **incident.model_dump(exclude={"victims_encrypted", "documents"}),
        "victims": victims,
        "documents": service.documents_status(incident),
    }


@blp.route("")
class IncidentsView(MethodView):
    @blp.arguments(IncidentQuerySchema, location="query")
    @blp.response(200, IncidentSchema(many=True))
    @blp.paginated()
    def get(self, query, pagination_parameters):
        """List incidents; a member token sees only its own."""
        stmt = service.list_incidents_query(auth.visible_member_id(), **query)
        return paginate_query(db.session(), stmt, pagination_parameters)

    @blp.arguments(IncidentCreateSchema)
    @blp.response(201, IncidentDetailSchema)
    def post(self, values):
        """Report an incident (seed 004 §5①) and get the coverage decision at once.

        Administrators, or the member itself. Not-covered incidents are recorded too, with
        ``covered: false`` and a ``reason`` (``not_insured_on_occurred_on``,
        ``known_before_period`` ⑩, ``discovered_before_period`` ⑪)."""
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
        """Complete claims past ``pay_by`` with nothing paid yet (administrators)."""
        auth.require_admin()
        session = db.session()
        stmt = service.overdue_query(query.get("on") or program_today(session))
        return paginate_query(session, stmt, pagination_parameters)


@blp.route("/<int:incident_id>")
class IncidentView(MethodView):
    @blp.response(200, IncidentDetailSchema)
    def get(self, incident_id):
        """An incident with its victims and claim-documents checklist."""
        return _detail(_visible(incident_id))

    @blp.arguments(IncidentPatchSchema)
    @blp.response(200, IncidentDetailSchema)
    def patch(self, values, incident_id):
        """Record whether a suspected attack actually happened (administrators)."""
        auth.require_admin()
        session = db.session()
        incident = service.get_incident(session, incident_id, None)
        return _detail(service.set_attack_occurred(session, incident, values["attack_occurred"]))


@blp.route("/<int:incident_id>/costs")
class CostsView(MethodView):
    @blp.response(200, CostLineSchema(many=True))
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """The incident's cost lines."""
        incident = _visible(incident_id)
        return paginate_query(db.session(), service.costs_query(incident), pagination_parameters)

    @blp.arguments(CostLineSchema)
    @blp.response(201, CostLineSchema)
    def post(self, values, incident_id):
        """Claim a cost; its category (and item) must be allowed for the cause (seed 004 §3),
        else 422 naming the allowed ones."""
        session = db.session()
        return service.add_cost(session, _visible(incident_id), values, program_today(session))


@blp.route("/<int:incident_id>/documents")
class DocumentsView(MethodView):
    @blp.arguments(DocumentsUpdateSchema)
    @blp.response(200, IncidentDetailSchema)
    def put(self, values, incident_id):
        """Update the claim-documents checklist (seed 004 §5⑦ ア–エ) (administrators)."""
        auth.require_admin()
        session = db.session()
        incident = service.get_incident(session, incident_id, None)
        return _detail(
            service.update_documents(session, incident, values["documents"], program_today(session))
        )


@blp.route("/<int:incident_id>/claim-complete")
class ClaimCompleteView(MethodView):
    @blp.arguments(ClaimCompleteSchema)
    @blp.response(200, IncidentDetailSchema)
    def post(self, values, incident_id):
        """Mark the claim complete; ``pay_by`` = ``completed_on`` + 30 days (administrators).

        Where public investigations are needed (seed 004 §6① ただし書) a later
        ``extended_pay_by`` may be given with an ``extension_reason``."""
        auth.require_admin()
        session = db.session()
        incident = service.get_incident(session, incident_id, None)
        return _detail(
            service.complete_claim(
                session,
                incident,
                values["completed_on"],
                program_today(session),
                values.get("extended_pay_by"),
                values.get("extension_reason"),
            )
        )


@blp.route("/<int:incident_id>/payments")
class PaymentsView(MethodView):
    @blp.response(200, PaymentSchema(many=True))
    @blp.paginated()
    def get(self, incident_id, pagination_parameters):
        """The payments made on the incident."""
        incident = _visible(incident_id)
        return paginate_query(db.session(), service.payments_query(incident), pagination_parameters)

    @blp.arguments(PaymentSchema)
    @blp.response(201, PaymentSchema)
    def post(self, values, incident_id):
        """Pay on a covered incident (administrators). 409 when it would pass the per-incident
        limit or the member's aggregate for the coverage period, with what remains; 422 when
        the incident is not covered."""
        auth.require_admin()
        session = db.session()
        result = service.record_payment(
            session, incident_id, values["amount_yen"], values["paid_on"], program_today(session)
        )
        return {
            **result.payment.model_dump(),
            "per_incident_remaining": result.per_incident_remaining,
            "aggregate_remaining": result.aggregate_remaining,
        }
