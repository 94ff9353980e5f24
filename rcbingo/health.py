"""Readiness, and what every route answers while the database is away.

- `/ready` (for load balancers, monitors, systemd): 200 when the database answers (and Redis, where sign-in limits
  live there) within READY_TIMEOUT_SECONDS, else 503 with a JSON reason. `/health` (org) stays the process check.
- While the database is unreachable, every route answers 503 with Retry-After, made without the database: JSON
  under /api/, a small self-contained page for people (one that reloads itself after a GET, so a wall screen
  comes back by itself), and for an event stream a short stream that says so (an EventSource that gets a 503
  gives up, and htmx then backs off for up to a minute; one whose stream ends reconnects by itself).
- A request budget: in a gevent worker no request waits longer than REQUEST_TIMEOUT_SECONDS (downloads:
  LONG_REQUEST_TIMEOUT_SECONDS, and their statements get as long on PostgreSQL).
- The log: one line per worker when an outage starts and one when it ends (database.outage), never a traceback.
"""

import base64
import hashlib
import threading
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, has_request_context, jsonify, request
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from .database import (
    BUSY,
    READ_ONLY,
    TIMED_OUT,
    UNREACHABLE,
    OutOfTime,
    _gevent_patched,
    bounded,
    outage,
    reopen_sqlite,
    rollback_quietly,
    statement_timeout_ms,
    unavailable_reason,
)
from .extensions import db

bp = Blueprint("health", __name__)
# Routes that make a file to download (a PDF, a CSV, a newsletter's HTML) get the long budget.
LONG_SUFFIXES = (".pdf", ".csv", ".html")
_BUDGET = "rcbingo.budget"
# The outage page's only style, allowed by its hash: the page needs nothing else, not even our stylesheet.
PAGE_STYLE = ("body{margin:0;min-height:100vh;display:grid;place-items:center;font:1.25rem/1.5 system-ui,sans-serif;"
              "background:#f6f4ef;color:#1d2a35}body.wall{background:#0d2b33;color:#fff;font-size:2rem}"
              "main{max-width:34em;padding:2em;text-align:center}h1{margin:0 0 .5em;font-size:1.8em}")
PAGE_POLICY = "; ".join([
    "default-src 'none'",
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(PAGE_STYLE.encode()).digest()).decode()}'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])


def init_app(app) -> None:
    """Readiness, the 503 answers and the request budget."""
    app.register_blueprint(bp)
    app.register_error_handler(sa_exc.DBAPIError, _database_error)
    app.register_error_handler(sa_exc.TimeoutError, _database_error)
    app.before_request(_long_budget)
    app.wsgi_app = RequestBudget(app.wsgi_app, app)


@bp.get("/ready")
def ready():
    """For load balancers and monitors: can this process serve, database (and Redis) included?"""
    seconds = current_app.config["READY_TIMEOUT_SECONDS"]
    checks = {"database": _within(seconds, _check_database)}
    limits = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if limits.startswith(("redis://", "rediss://")):
        checks["redis"] = _within(seconds, lambda: _check_redis(limits, seconds))
    ok = all(state == "ok" for state in checks.values())
    response = jsonify({"status": "ready" if ok else "unavailable", **checks})
    if not ok:
        response.status_code = 503
        response.headers["Retry-After"] = str(_retry_after())
    return response


def _within(seconds: float, check) -> str:
    """A check's answer ("ok" or why not), or "timed out" if it takes longer than `seconds`."""
    try:
        if _gevent_patched():
            with bounded(seconds):
                return check()
        # No gevent (the development server): the check runs in a thread we stop waiting for.
        app, answer = current_app._get_current_object(), []

        def run():
            with app.app_context():
                try:
                    answer.append(check())
                except Exception as error:
                    answer.append(unavailable_reason(error) or "error")

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(seconds)
        return answer[0] if answer else TIMED_OUT
    except (Exception, OutOfTime) as error:
        return unavailable_reason(error) or "error"


def _check_database() -> str:
    engine = db.engine
    try:
        if engine.dialect.name == "sqlite":
            return _check_sqlite(engine.url.database)
        with engine.connect() as connection:
            standby = connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() \
                if engine.dialect.name == "postgresql" else False
            connection.rollback()
        return READ_ONLY if standby else "ok"
    except Exception as error:
        reason = unavailable_reason(error)
        if reason is None:
            raise
        return reason


def _check_sqlite(path: str) -> str:
    """Can this process write the file? A fresh connection, which never waits for the write lock (another writer
    holding it is a working database), makes a table and rolls it back: SQLite opens a read-only file without a
    word, and even begins a write transaction on it; only a write says no."""
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=0, isolation_level=None)
    except sqlite3.Error as error:
        return unavailable_reason(error) or "error"
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE rcbingo_ready_check (x)")
        connection.execute("ROLLBACK")
    except sqlite3.Error as error:
        reason = unavailable_reason(error) or "error"
        if reason == BUSY:
            return "ok"
        if reason == READ_ONLY:
            outage.failed(READ_ONLY)
            reopen_sqlite(path)  # a stale read-only connection of ours may be what stops us: start afresh
        return reason
    finally:
        connection.close()
    return "ok"


def _check_redis(uri: str, seconds: float) -> str:
    import redis

    client = redis.Redis.from_url(uri, socket_timeout=seconds, socket_connect_timeout=seconds)
    try:
        client.ping()
    except redis.RedisError:
        return UNREACHABLE
    finally:
        client.close()
    return "ok"


def _database_error(error):
    """An error from the database: a 503 when it says the database is away, else the server error it is."""
    reason = unavailable_reason(error)
    if reason is None:
        raise error
    outage.failed(reason)
    rollback_quietly()
    return unavailable_response(reason)


def _retry_after() -> int:
    return max(1, round(current_app.config["RETRY_AFTER_SECONDS"]))


def unavailable_response(reason: str) -> Response:
    """The 503 for this request while the database is away, made without it."""
    retry = _retry_after()
    if request.path.endswith("/stream") or request.accept_mimetypes.best == "text/event-stream":
        # 200, so the browser's EventSource reconnects by itself (on a 503 it would give up).
        response = Response(f"retry: {retry * 1000}\n\nevent: status\ndata: down\n\n", mimetype="text/event-stream")
    elif request.path.startswith("/api/"):
        response = jsonify({"error": "The service is unavailable: its database does not answer. Try again shortly.",
                            "reason": reason, "retry_after": retry})
        response.status_code = 503
    else:
        page = current_app.jinja_env.get_template("unavailable.html").render(
            style=PAGE_STYLE, refresh=retry if request.method in ("GET", "HEAD") else None,
            wall=request.path.startswith("/wall/"))
        response = Response(page, status=503, mimetype="text/html")
        response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Retry-After"] = str(retry)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


class RequestBudget:
    """WSGI middleware: a request still running after REQUEST_TIMEOUT_SECONDS is cut short with a 503 (gevent
    workers only: elsewhere there is nothing that could interrupt it). A streamed body (the wall) runs after this
    returns, so it is not cut; the stream bounds its own reads.

    The server gets exactly one status and one set of headers: the app's are held until it has made its answer, so
    that a budget running out after the app started its response (in its teardown, say) replaces them whole. (A
    second start_response with exc_info adds its headers to the first's in gunicorn: two Content-Lengths, a
    desync behind a proxy.) Once the server has sent bytes of the app's answer, the connection ends instead."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        seconds = self.app.config["REQUEST_TIMEOUT_SECONDS"]
        if not seconds or not _gevent_patched():
            return self.wsgi_app(environ, start_response)
        import gevent

        environ[_BUDGET] = timer = gevent.Timeout(seconds, OutOfTime(f"request took longer than {seconds:g} s"))
        held = HeldStart(start_response)
        timer.start()
        try:
            body = self.wsgi_app(environ, held)
        except OutOfTime:
            if held.sent:  # bytes of the app's answer may be out: gunicorn ends the connection on an error
                raise RuntimeError(f"request took longer than {seconds:g} s after its answer began") from None
            outage.failed(TIMED_OUT)
            with self.app.request_context(environ):
                response = unavailable_response(TIMED_OUT)
            return response(environ, start_response)
        finally:
            environ[_BUDGET].close()
        held.send()
        return body


class HeldStart:
    """A start_response that holds the app's status and headers until `send()` or the app's first write; after
    that, the app's calls go straight to the server."""

    def __init__(self, start_response):
        self.start_response, self.started, self.sent, self.server_write = start_response, None, False, None

    def __call__(self, status, headers, exc_info=None):
        if self.sent:
            return self.start_response(status, headers, exc_info)
        if self.started and not exc_info:
            raise AssertionError("start_response called twice without exc_info")
        self.started = (status, headers)
        return self.write

    def send(self) -> None:
        if not self.sent:
            self.sent = True
            if self.started:
                self.server_write = self.start_response(*self.started)

    def write(self, data: bytes) -> None:
        self.send()
        self.server_write(data)


def _long_budget():
    """(before_request) A download gets the long budget, and its statements the long statement timeout."""
    rule = request.url_rule
    if rule is None or not rule.rule.endswith(LONG_SUFFIXES):
        return
    g.long_request = True
    timer = request.environ.get(_BUDGET)
    if timer is not None:
        import gevent

        timer.close()
        seconds = current_app.config["LONG_REQUEST_TIMEOUT_SECONDS"]
        request.environ[_BUDGET] = longer = gevent.Timeout(seconds, OutOfTime(f"took longer than {seconds:g} s"))
        longer.start()


@event.listens_for(Session, "after_begin")
def _long_statements(_session, _transaction, connection):
    if connection.dialect.name == "postgresql" and has_request_context() and g.get("long_request"):
        timeout = statement_timeout_ms(current_app.config, long=True)
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout}")

