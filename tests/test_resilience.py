"""Outages inside one process: readiness, the 503 every route answers without the database, one log line per
outage, bounded statements, a read-only SQLite connection discarded, a wall stream that comes back by itself.

The real faults (a killed and a frozen PostgreSQL server, a read-only SQLite file, gunicorn's workers) are in
tests/test_resilience_faults.py; the tablet and the wall in a browser in tests/test_resilience_browser.py."""

import base64
import hashlib
import logging
import os
import re
import sqlite3
import time
import urllib.request

import pytest
from flask import g
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.routing import IntegerConverter, PathConverter

from rcbingo import create_app, health
from rcbingo.board import service as board
from rcbingo.database import (
    READ_ONLY,
    _sqlite_connections,
    engine_options,
    outage,
    unavailable_reason,
    write_transaction,
)
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import TEST_DATABASE_URL, fresh
from .outages import DatabaseSwitch
from .test_board import read_event, workgroup_id


@pytest.fixture(autouse=True)
def no_outage():
    """The outage is the process's: each test starts (and leaves) without one."""
    outage.reset()
    yield
    outage.reset()


@pytest.fixture
def unreachable(tmp_path):
    """An app whose database cannot be reached: a refused port, or a SQLite file in a folder that does not exist."""
    url = "postgresql+psycopg://127.0.0.1:1/nowhere" if TEST_DATABASE_URL else \
        f"sqlite:///{tmp_path}/missing/rcbingo.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url})
    yield app
    if "rcbingo_watcher" in app.extensions:
        app.extensions["rcbingo_watcher"].stop()


def _example_url(rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = "app.css" if isinstance(converter, PathConverter) else \
            1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values)[1]


def test_every_route_answers_503_with_retry_after_while_the_database_is_away(unreachable, caplog):
    client = unreachable.test_client()
    with unreachable.app_context():
        engine = db.engine
    tries = []
    event.listen(engine, "do_connect", lambda *_args: tries.append(1))
    wrong = []
    with caplog.at_level(logging.INFO):
        for rule in unreachable.url_map.iter_rules():
            url = _example_url(rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                tries.clear()
                response = client.open(url, method=method, data={} if method == "POST" else None)
                status, kind = response.status_code, response.mimetype
                if rule.endpoint == "board.wall_stream":
                    # An EventSource given a 503 gives up for up to a minute: the stream stays, and says so.
                    chunks = iter(response.response)
                    ok = status == 200 and kind == "text/event-stream" and next(chunks).startswith(b"retry:") \
                        and next(chunks) == b"event: status\ndata: down\n\n"
                    response.close()
                elif status == 503:
                    body = response.get_data(as_text=True)
                    ok = response.headers.get("Retry-After") == "5" and response.headers["Cache-Control"] == "no-store"
                    if rule.endpoint == "health.ready":
                        ok = ok and response.json == {"status": "unavailable", "database": "unreachable"}
                    elif url.startswith("/api/"):
                        ok = ok and kind == "application/json" and response.json["retry_after"] == 5
                    else:
                        ok = ok and kind == "text/html" and "Back in a moment" in body and \
                            ('http-equiv="refresh" content="5"' in body) == (method == "GET")
                else:  # a route that never asked for the database (the process check, our files, a redirect
                    # to sign in) answers as ever
                    ok = not tries and status < 500
                if not ok:
                    wrong.append(f"{method} {url}: {status} {kind}")
    assert wrong == []
    # One line for the whole outage, and not a single traceback.
    assert [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()] == [
        f"rcbingo[{os.getpid()}]: the database is unavailable (unreachable); answering 503 until it is back"]
    assert [r for r in caplog.records if r.exc_info] == []


def test_the_outage_page_needs_nothing_but_itself(unreachable):
    response = unreachable.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert not re.search(r"\b(src|href)=", page)  # no script, stylesheet or picture to fetch
    style = re.search(r"<style>(.*)</style>", page).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy and "script" not in policy


def test_an_outage_is_one_line_in_the_log_and_its_end_another_with_its_length(caplog):
    with caplog.at_level(logging.INFO, logger="rcbingo.database"):
        for _ in range(100):
            outage.failed("unreachable")
        assert outage.unreadable
        time.sleep(0.1)
        outage.answered(wrote=False)
        outage.answered(wrote=False)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "unavailable (unreachable)" in lines[0]
    assert re.search(r"the database is back after 0\.[1-9] s", lines[1])
    assert not outage.down


def test_a_read_only_outage_ends_with_a_write_not_a_read():
    outage.failed(READ_ONLY)
    assert outage.down and not outage.unreadable  # the walls still read
    outage.answered(wrote=False)
    assert outage.down
    outage.answered(wrote=True)
    assert not outage.down


def test_ready_says_the_database_answers(client):
    response = client.get("/ready")
    assert response.status_code == 200 and response.json == {"status": "ready", "database": "ok"}


def test_ready_is_503_with_a_reason_when_redis_does_not_answer(database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_uri,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1", "READY_TIMEOUT_SECONDS": 1})
    response = app.test_client().get("/ready")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unreachable"}
    with app.app_context():
        db.engine.dispose()


def test_ready_checks_redis_where_the_sign_in_limits_live(database_uri):
    import redis

    try:
        redis.Redis(socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_uri,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})
    response = app.test_client().get("/ready")
    assert response.json == {"status": "ready", "database": "ok", "redis": "ok"}
    with app.app_context():
        db.engine.dispose()


def test_postgresql_connections_are_bounded_and_checked_before_use():
    config = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/rcbingo", "REQUEST_TIMEOUT_SECONDS": 10,
              "DATABASE_CONNECT_TIMEOUT_SECONDS": 5, "DATABASE_STATEMENT_TIMEOUT_SECONDS": 10, "DATABASE_POOL_SIZE": 20}
    options = engine_options(config)
    assert "pool_pre_ping" not in options and options["pool_timeout"] == 10  # checked without a round trip (below)
    assert (options["pool_size"], options["max_overflow"]) == (5, 15)  # up to 20 at once, 5 kept when idle
    assert options["connect_args"] == {"connect_timeout": 5, "options": "-c statement_timeout=10000"}
    sqlite = engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite3", "SQLITE_BUSY_TIMEOUT_SECONDS": 10})
    assert sqlite == {"connect_args": {"timeout": 10}, "hide_parameters": True}


def end_backend(pid: int) -> None:
    """An administrator ends one of the app's PostgreSQL connections (from a connection of their own)."""
    other = create_engine(db.engine.url, poolclass=NullPool)
    with other.connect() as administrator:
        administrator.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()
    time.sleep(0.2)  # (the server's message reaches the app's socket)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL ends a connection (TEST_DATABASE_URL)")
def test_a_pooled_connection_the_server_ended_is_replaced_before_a_request_uses_it(database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        pooled = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # back in the pool, idle
        end_backend(pooled)
        response = app.test_client().get("/ready")  # no 503, no error: a new connection
        assert response.status_code == 200 and response.json["database"] == "ok"
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pooled
        assert outage.since is None
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL ends a connection (TEST_DATABASE_URL)")
def test_a_request_whose_connection_the_server_ended_after_its_work_still_answers(database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # the request's work is done, its session open
        end_backend(pid)
    # (leaving the app context ended its session without an error: the answer given stands)
    with app.app_context():
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
        db.session.remove()
        db.engine.dispose()
    outage.reset()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="a PostgreSQL statement timeout (TEST_DATABASE_URL)")
def test_a_statement_longer_than_the_timeout_is_cancelled_and_a_download_gets_longer(database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_uri,
                      "DATABASE_STATEMENT_TIMEOUT_SECONDS": 0.3, "LONG_REQUEST_TIMEOUT_SECONDS": 150})
    with app.app_context():
        started = time.monotonic()
        with pytest.raises(OperationalError) as cancelled:
            db.session.execute(text("SELECT pg_sleep(3)"))
        assert time.monotonic() - started < 1.5 and unavailable_reason(cancelled.value) == "timed out"
        db.session.rollback()
    with app.test_request_context("/api/v1/units/icu/cards.csv"):
        health._long_budget()
        assert db.session.scalar(text("SHOW statement_timeout")) == "150s"
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def test_downloads_get_the_long_budget(app):
    for url in ("/api/v1/units/icu/cards.csv", "/newsletter/1/issue.pdf", "/newsletter/1/issue.html",
                "/surveys/1/figures.csv"):
        with app.test_request_context(url):
            g.pop("long_request", None)  # (the test's app context is shared; each request has its own)
            health._long_budget()
            assert g.get("long_request") is True, url
    with app.test_request_context("/u/icu/card"):
        g.pop("long_request", None)
        health._long_budget()
        assert not g.get("long_request")


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's read-only connections")
def test_a_write_refused_as_read_only_closes_every_connection_to_the_file(app):
    """The file was read-only when these connections opened (SQLite keeps them so, and what one process opened
    shares their state): after the first refused write, none is left open, idle or in use."""
    engine = db.engine
    read_only = {"on": True}

    @event.listens_for(engine, "connect")
    def opened(dbapi_connection, _record):
        if read_only["on"]:
            dbapi_connection.execute("PRAGMA query_only=ON")  # refuses writes as a read-only file does

    db.session.remove()
    engine.dispose()
    idle = [engine.connect() for _ in range(3)]
    in_use = engine.connect()
    for connection in idle:
        connection.close()
    stale = list(_sqlite_connections[os.path.realpath(engine.url.database)])
    assert len(stale) == 4
    read_only["on"] = False  # the file is writable again

    with pytest.raises(OperationalError) as refused, write_transaction() as session:
        session.execute(text("DELETE FROM board_version WHERE unit_id = -1"))
    assert unavailable_reason(refused.value) == READ_ONLY and outage.down
    assert [record.dbapi_connection is None for record in stale if not record.info["in_use"]] == [True] * 3
    in_use.close()  # returned: closed now too
    assert all(record.dbapi_connection is None for record in stale)

    for _ in range(5):  # every later write finds a fresh, writable connection
        with write_transaction() as session:
            session.execute(text("DELETE FROM board_version WHERE unit_id = -1"))
    assert not outage.down
    assert isinstance(refused.value.orig, sqlite3.OperationalError)


def test_an_open_wall_says_the_database_is_away_and_shows_the_board_again_when_it_is_back(app, roster, live_server):
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Round 1", workgroup_ids=[workgroup_id("nurses"), workgroup_id("pharmacists")],
                      start_now=True)
    _display, token = board.create_display(icu, "Break room")
    switch = DatabaseSwitch(db.engine)
    try:
        with urllib.request.urlopen(f"{live_server}/wall/{token}/stream", timeout=10) as stream:  # noqa: S310 - ours
            assert "0 of 7" in read_event(stream)
            switch.away = True
            assert read_status(stream) == "down"
            switch.away = False
            back = time.monotonic()
            assert "0 of 7" in read_event(stream)
            assert time.monotonic() - back < 1.0
    finally:
        switch.away = False
        switch.remove()


def read_status(stream) -> str:
    """The data of the next status event (keepalives skipped)."""
    while True:
        line = stream.readline().decode()
        if line == "event: status\n":
            return stream.readline().decode().removeprefix("data: ").strip()


def test_the_kiosk_and_the_wall_load_their_outage_script(client, roster, app):
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    _display, token = board.create_display(icu, "Break room")
    card = client.get("/u/icu/card").get_data(as_text=True)
    assert '<script src="/static/resilience.js" defer>' in card and 'id="card-unsent"' in card
    assert "Not sent yet: we will try again." in card
    wall = client.get(f"/wall/{token}").get_data(as_text=True)
    assert '<script src="/static/resilience.js" defer>' in wall
    assert re.search(r'id="wall-status"[^>]*sse-swap="status"[^>]*hidden>Reconnecting…<', wall)


def test_a_write_that_fails_takes_back_only_itself_not_what_was_written_before_it(app, roster):
    """On PostgreSQL a write goes on in the transaction of the reads before it (it saves a commit and a BEGIN), but
    never in one that holds an earlier change: that is committed first, as on SQLite."""
    from rcbingo.org.models import Person, Workgroup

    icu = unit_by_key("icu")  # a read
    nurses = db.session.scalar(select(Workgroup).where(Workgroup.key == "nurses"))
    db.session.add(Person(name="Flushed Before", unit=icu, workgroup=nurses))
    db.session.flush()
    with pytest.raises(RuntimeError), write_transaction() as session:
        session.add(Person(name="Never Kept", unit=icu, workgroup=nurses))
        session.flush()
        raise RuntimeError("refused")
    unit_by_key("icu")  # reads only, then a write that fails: nothing to keep, nothing lost
    with pytest.raises(RuntimeError), write_transaction():
        raise RuntimeError("refused")
    with write_transaction() as session:
        session.add(Person(name="Written After", unit=icu, workgroup=nurses))
    fresh()
    names = set(db.session.scalars(select(Person.name)))
    assert {"Flushed Before", "Written After"} <= names and "Never Kept" not in names
