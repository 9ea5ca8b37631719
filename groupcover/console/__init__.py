"""The console: server-rendered pages for administrators and member companies.

Japanese first (``?lang=en`` switches, and is remembered in the session). Pages call the same
services as the API (never the HTTP API itself). People sign in by one-time link (``signin``);
every POST carries the form's CSRF token (a POST without it is a 400 and writes nothing).
"""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

LANGUAGES = ("ja", "en")
csrf = CSRFProtect()
babel = Babel()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, but a request without the cookie (every API call) gets
    its empty session without building the signing serializer first: about 0.04 ms a request
    on the hottest API path. With the cookie, Flask's own code runs."""

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:  # type: ignore[override]
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def select_locale() -> str:
    """The session's language (set by ``?lang=``), Japanese by default."""
    if not has_request_context():
        return "ja"
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        lang = session.get("lang")
    return lang if lang in LANGUAGES else "ja"


def init_app(app: Flask) -> None:
    from groupcover.console import views  # noqa: F401 - registers the routes
    from groupcover.console.blueprint import bp
    from groupcover.console.format import register_filters

    app.session_interface = _SessionInterface()
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked by the console only
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "ja")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Tokyo")
    register_filters(app)
    app.register_blueprint(bp)
