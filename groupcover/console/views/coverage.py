"""``/console/coverage?domain=D&on=DATE``: under which members a supplier is covered that day
(a member user sees only its own entry)."""

from __future__ import annotations

from flask import render_template, request

from groupcover import auth, db
from groupcover.console.blueprint import bp, login_required
from groupcover.console.forms import CoverageForm
from groupcover.console.messages import attach
from groupcover.coverage.service import supplier_coverage
from groupcover.errors import DomainError
from groupcover.program.service import program_today
from groupcover.suppliers.service import parse_domain


@bp.route("/console/coverage")
@login_required
def coverage():
    session = db.session()
    today = program_today(session)
    form = CoverageForm(request.args)
    result = None
    status = 200
    if request.args.get("domain"):
        if form.validate():
            on = form.on.data or today
            try:
                domain = parse_domain(form.domain.data)
            except DomainError as exc:
                attach(form, exc)
                status = exc.status
            else:
                result = {
                    "domain": domain,
                    "on": on,
                    "coverages": supplier_coverage(
                        db.connection(), domain, on, auth.visible_member_id()
                    ),
                }
        else:
            status = 422
    return render_template("console/coverage.html", form=form, result=result, today=today), status
