"""The console's one blueprint and what runs before every console request: the language,
the CSRF check on POST, and the signed-in user (idle and absolute session lifetimes)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import refresh
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from groupcover import clock, db
from groupcover.errors import BadRequest, DomainError
from groupcover.users import service as users

bp = Blueprint("console", __name__)  # assets: the app's own /static (groupcover/static)


@bp.context_processor
def _context() -> dict[str, Any]:
    from groupcover.console import select_locale

    return {"current_lang": select_locale()}


@bp.before_request
def _before() -> Any:
    from groupcover.console import LANGUAGES, csrf

    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    refresh()  # the locale is cached per app context, which tests share across requests
    if request.method == "POST":
        csrf.protect()
        _refuse_nul_bytes()
    _load_user()
    return None


def _refuse_nul_bytes() -> None:
    """A NUL byte in a form field is refused (400) like the API's; PostgreSQL cannot store it."""
    for name, value in request.form.items(multi=True):
        if "\x00" in value or "\x00" in name:
            raise BadRequest(f"{name}: NUL bytes are not allowed", field=name, rule="nul_byte")


def _load_user() -> None:
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    now = int(clock.now().timestamp())
    cfg = current_app.config
    too_idle = now - session.get("seen_at", 0) > cfg["SESSION_IDLE_MINUTES"] * 60
    too_old = now - session.get("signed_in_at", 0) > cfg["SESSION_MAX_HOURS"] * 3600
    principal = None if too_idle or too_old else users.active_principal(db.session(), user_id)
    if principal is None:
        sign_out()
        g.session_ended = True
        return
    session["seen_at"] = now
    g.user = principal
    g.principal = principal  # services' audit entries and auth checks see the user


def sign_in(user_id: int) -> None:
    """Start a fresh session for ``user_id`` (the language is kept)."""
    lang = session.get("lang")
    session.clear()
    now = int(clock.now().timestamp())
    session.update(user_id=user_id, signed_in_at=now, seen_at=now)
    if lang:
        session["lang"] = lang
    session.permanent = True


def sign_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def login_required(view):
    """Signed-out visitors go to the sign-in page (and come back after)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Administrators only; a member user gets the 403 page."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not g.user.is_admin:
            return render_template("console/error.html", status=403), 403
        return view(*args, **kwargs)

    return wrapper


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    return render_template("console/error.html", status=400, reason="csrf"), 400


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    return render_template("console/error.html", status=413), 413


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    """Services' 403/404 become pages (another member's object is simply not found)."""
    status = exc.status if exc.status in (400, 403, 404, 409, 422, 429) else 400
    return render_template("console/error.html", status=status), status
