from __future__ import annotations

from flask.views import MethodView

from groupcover import auth, clock, db
from groupcover.program import service
from groupcover.program.schemas import ProgramPatchSchema, ProgramSchema
from groupcover.web import Blueprint

blp = Blueprint(
    "program",
    __name__,
    url_prefix="/api/v1/program",
    description="The group policy and its master policyholder (保険契約者).",
)


def _dump(program):
    return {**program.model_dump(), "today": clock.today(program.timezone)}


@blp.route("")
class ProgramView(MethodView):
    @blp.response(200, ProgramSchema)
    def get(self):
        """Read the program (any token)."""
        return _dump(service.get_program(db.session()))

    @blp.arguments(ProgramPatchSchema)
    @blp.response(200, ProgramSchema)
    def patch(self, changes):
        """Edit the program (administrators)."""
        auth.require_admin()
        return _dump(service.update_program(db.session(), changes))
