"""RC Bingo: the application factory."""

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, has_request_context, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, health, links, web, zones
from .cards.rules import first_name
from .database import end_session_quietly, rollback_quietly, unavailable_reason
from .database import engine_options as database_engine_options
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from .i18n import translated
from .logs import mask_logs
from .rc import BY_KEY
from .slots import NoSlot

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

log = logging.getLogger(__name__)
# When even the error page fails (the database is away), this one needs nothing.
PLAIN_ERROR_PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
                    '<body><main><h1>{title}</h1><p>{message}</p></main></body></html>')


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings, extensions and blueprints. Touches no database and no network."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.request_class = web.Request
    app.url_map.converters["int"] = web.BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = web.TextConverter
    app.config.from_object(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "rcbingo.sqlite3")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config.from_environment())
    else:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        log.warning("SECRET_KEY is not set: using a random key, so sessions end when the server restarts.")
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    # Where the app is comes from BASE_URL, never from the request (links.py).
    links.check_base_url(app.config["BASE_URL"])
    if app.config["TRUSTED_HOSTS"] is None:
        app.config["TRUSTED_HOSTS"] = links.hosts_of(app.config["BASE_URL"])
    app.config["APPLICATION_ROOT"] = links.prefix_of(app.config["BASE_URL"]) or "/"
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.wsgi_app = links.PrefixFromSettings(app.wsgi_app, links.prefix_of(app.config["BASE_URL"]))

    # Bounded waits (database.engine_options): flask-sqlalchemy makes its engine in init_app.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_engine_options(app.config)
    db.init_app(app)
    app.teardown_appcontext(end_session_quietly)  # (runs before flask-sqlalchemy's, which then has nothing to end)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from .database import wait_keeping_the_cpu_while_holding
        wait_keeping_the_cpu_while_holding()
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    # The limiter's storage counts the budgets that views spend themselves (budgets.spend: sign-ins, cards). The hook
    # that looks for default, application, blueprint and view limits, of which there are none, cost every request a
    # third of a cached page's time (0.2 ms).
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to open that page.")
    login_manager.login_message_category = "info"
    app.session_interface = _SessionInterface()
    babel.init_app(app, locale_selector=lambda: request.accept_languages.best_match(app.config["LANGUAGES"])
                   if has_request_context() else None)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["dimension_label"] = lambda key: BY_KEY[key].card_label
    app.jinja_env.filters["first_name"] = first_name
    app.jinja_env.filters["dimension_name"] = lambda key: translated(BY_KEY[key].card_label)
    app.jinja_env.filters["tr"] = translated
    app.jinja_env.filters["extract"] = lambda key, mapping: mapping[key]
    app.jinja_env.filters["in_zone"] = lambda moment, unit=None: zones.local(
        moment, unit.timezone if unit is not None else app.config["ORGANIZATION_TIMEZONE"])

    from .api.views import bp as api_bp
    from .audit import models as _audit_models  # noqa: F401 - registers the tables for migrations
    from .board.views import bp as board_bp
    from .cards import models as _cards_models  # noqa: F401
    from .cards.review_views import bp as review_bp
    from .cards.views import bp as cards_bp
    from .cli import register as register_cli
    from .desk.views import bp as desk_bp
    from .newsletter.views import bp as newsletter_bp
    from .org.access import can
    from .org.account_views import bp as accounts_bp
    from .org.accounts import load_account
    from .org.models import RoleName
    from .org.views import bp as org_bp
    from .printing.views import bp as printing_bp
    from .spread.views import bp as spread_bp
    from .survey.views import bp as survey_bp

    login_manager.user_loader(load_account)
    app.jinja_env.globals.update(can_coordinate=lambda unit: can(RoleName.COORDINATOR, unit),
                                 can_edit=lambda unit: can(RoleName.EDITOR, unit))
    for blueprint in (org_bp, accounts_bp, cards_bp, review_bp, board_bp, newsletter_bp, spread_bp, survey_bp,
                      api_bp, desk_bp, printing_bp):
        app.register_blueprint(blueprint)
    register_cli(app)
    mask_logs(app)
    app.after_request(_security_headers)
    _register_error_pages(app)
    health.init_app(app)  # /ready, and a 503 without the database while it is away
    return app


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (behind ProxyFix, at the proxy)."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app):
        # Made once per key, not twice a request as Flask does: making one costs a trial serialisation.
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = getattr(self, "_serializer", None)
        if made is None or made[0] != keys:
            made = self._serializer = (keys, super().get_signing_serializer(app))
        return made[1]


def _security_headers(response):
    # A view may set a stricter or document-specific policy (the newsletter export); the rest get ours.
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "static":
        # Shared tablets: what one person saw or typed must not come back for the next
        # through the back button or a cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def _register_error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str):
        # A failed statement leaves the session unusable (PostgreSQL): roll back before the page reads anything.
        rollback_quietly()
        if request.path.startswith("/api/"):  # integrations read JSON, whatever went wrong
            return jsonify({"error": str(message)}), status
        if request_ctx.url_adapter is None:  # a host not in TRUSTED_HOSTS: no link can be made for it
            return PLAIN_ERROR_PAGE.format(title=escape(title), message=escape(message)), status
        try:
            return render_template("error.html", title=title, message=message), status
        except Exception as failure:
            reason = unavailable_reason(failure)
            if reason is not None:  # the database is away: say so, without it
                return health.unavailable_response(reason)
            log.exception("The error page could not be rendered")
            return PLAIN_ERROR_PAGE.format(title=escape(title), message=escape(message)), status

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return page(400, _("This page has expired"),
                    _("For your security, forms expire after a while. Go back, reload the page and try again."))

    @app.errorhandler(404)
    def not_found(error):
        message = error.description if error.description != error.__class__.description else None
        return page(404, _("Page not found"), message or _("There is nothing at this address."))

    @app.errorhandler(403)
    def forbidden(error):
        message = error.description if error.description != error.__class__.description else None
        return page(403, _("Not for this account"),
                    translated(message) if message else _("You do not have access to this page."))

    @app.errorhandler(429)
    def too_many(_error):
        return page(429, _("Too many attempts"),
                    _("Too many failed sign-ins for this account from this device. Wait a minute and try again."))

    @app.errorhandler(400)
    def bad_request(_error):
        return page(400, _("Something was missing"), _("The request could not be understood. Please try again."))

    @app.errorhandler(405)
    def not_allowed(error):
        response = make_response(page(405, _("Not possible here"),
                                      _("This address does not take that kind of request.")))
        response.headers["Allow"] = ", ".join(error.valid_methods or ())
        return response

    @app.errorhandler(NoSlot)
    def too_busy(_error):
        response = make_response(page(503, _("Many PDFs are being made"),
                                      _("Many PDFs are being made right now; try again in a few seconds.")))
        response.headers["Retry-After"] = str(max(1, round(app.config["RETRY_AFTER_SECONDS"])))
        return response

    @app.errorhandler(413)
    def too_large(_error):
        return page(413, _("Too much text"), _("What you sent is too long. Please shorten it and try again."))

    @app.errorhandler(500)
    def server_error(_error):
        return page(500, _("Something went wrong"),
                    _("We could not finish that. Please try again in a moment."))
