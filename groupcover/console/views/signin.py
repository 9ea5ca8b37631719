"""Sign-in by one-time link, sign-out, and ``/`` (the dashboard or the sign-in page)."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app, g, redirect, render_template, request, url_for

from groupcover import config, db
from groupcover.console.blueprint import bp, sign_out
from groupcover.console.blueprint import sign_in as start_session
from groupcover.console.forms import ActionForm, SignInForm
from groupcover.console.messages import attach
from groupcover.notices.delivery import smtp_settings
from groupcover.program.service import get_program
from groupcover.users import mail
from groupcover.users import service as users


def link_url(plain: str, next_path: str | None = None) -> str:
    """The sign-in URL mailed or printed: ``CONSOLE_BASE_URL/sign-in/<token>[?next=…]``."""
    url = f"{current_app.config['CONSOLE_BASE_URL']}/sign-in/{plain}"
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def throttle() -> users.Throttle:
    cfg = current_app.config
    return users.Throttle(
        per_email=cfg["SIGN_IN_THROTTLE_PER_EMAIL"],
        per_address=cfg["SIGN_IN_THROTTLE_PER_ADDRESS"],
        window=timedelta(minutes=cfg["SIGN_IN_THROTTLE_MINUTES"]),
    )


def mail_link(
    user_name: str, email: str, plain: str, next_path: str | None = None, *, wait: bool = True
) -> bool:
    """Mail a sign-in link through the SMTP settings the notice letters use.

    ``wait=False`` sends from a thread: the sign-in page then answers as fast for a known
    email as for an unknown one (no timing tells them apart)."""
    cfg = current_app.config
    program = get_program(db.session())
    subject, body = mail.sign_in_message(
        user_name, link_url(plain, next_path), cfg["SIGN_IN_LINK_MINUTES"], program.name
    )
    settings = smtp_settings(config.settings())
    if wait:
        return mail.send_mail(settings, email, subject, body)
    thread = threading.Thread(
        target=mail.send_mail, args=(settings, email, subject, body), daemon=True
    )
    current_app.extensions["groupcover.mail_thread"] = thread
    thread.start()
    return True


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site (never another host) is a place to come back to."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/")
def home():
    if g.user is None:
        return redirect(url_for("console.sign_in"))
    if g.user.is_admin:
        return redirect(url_for("console.dashboard"))
    return redirect(url_for("console.member", member_id=g.user.member_id))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    sent = False
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        try:
            found = users.request_link(
                db.session(),
                form.email.data,
                address,
                current_app.config["SIGN_IN_LINK_MINUTES"],
                throttle(),
            )
        except users.Throttled as exc:
            attach(form, exc)
            status = 429
        else:
            if found is not None:
                user, plain = found
                mail_link(
                    user.name,
                    user.email,
                    plain,
                    _safe_next(request.args.get("next")),
                    wait=False,
                )
            sent = True  # the same answer whether the email is known or not
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "console/sign_in.html",
            form=form,
            sent=sent,
            ended=g.get("session_ended", False),
            next=_safe_next(request.args.get("next")),
        ),
        status,
    )


@bp.route("/sign-in/<token>")
def redeem(token: str):
    """Opening a link signs in (once) and lands on the dashboard, or where the user was going."""
    with db.transaction() as session:
        user = users.redeem_link(session, token)
        user_id = None if user is None else user.id
    if user_id is None:
        return render_template("console/sign_in_failed.html"), 410
    start_session(user_id)
    return redirect(_safe_next(request.args.get("next")) or url_for("console.home"))


@bp.route("/sign-out", methods=["POST"])
def sign_out_view():
    ActionForm()
    sign_out()
    return redirect(url_for("console.sign_in"))
