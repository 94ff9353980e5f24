"""No flood on one public link stalls the rest: wall streams are budgeted per display link and per client address
(config.py, "Budgets of public edges"); a stream over budget gets 503 with Retry-After."""

import contextvars
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from flask.testing import FlaskClient

from rcbingo.board import service as board
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import _make_app, fresh
from .test_faults import ROOT, free_port


@pytest.fixture
def wall(app, roster):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    fresh()
    return token


class Held:
    """A stream opened and held (not read), as a screen holds it; closed as the server closes it when the screen goes.
    Opened and closed in a context of its own, as each request is (conftest.IsolatedClient)."""

    def __init__(self, client, url, **kwargs):
        self.context = contextvars.Context()
        self.response = self.context.run(FlaskClient.open, client, url, buffered=False, **kwargs)
        self.status_code, self.headers = self.response.status_code, self.response.headers

    def close(self):
        self.context.run(self.response.close)


def open_streams(client, token, count, **environ):
    """`count` streams of a link opened and held."""
    return [Held(client, f"/wall/{token}/stream", environ_overrides=environ) for _ in range(count)]


def test_streams_over_a_links_budget_are_refused_with_retry_after_until_one_ends(app, client, wall):
    app.config.update(WALL_STREAMS_PER_LINK=3, WALL_STREAMS_PER_ADDRESS=100, WALL_STREAM_RETRY_SECONDS=20)
    held = open_streams(client, wall, 3, REMOTE_ADDR="10.0.0.1")
    assert [s.status_code for s in held] == [200, 200, 200]
    # The same link from anywhere else: the link's budget is spent.
    [refused] = open_streams(client, wall, 1, REMOTE_ADDR="10.0.0.2")
    assert (refused.status_code, refused.headers["Retry-After"]) == (503, "20")
    # Asking whether there is room (the wall's HEAD, static/resilience.js) says the same and holds nothing.
    assert client.head(f"/wall/{wall}/stream").status_code == 503
    held.pop().close()  # a screen went away
    assert client.head(f"/wall/{wall}/stream").status_code == 200
    again = open_streams(client, wall, 2, REMOTE_ADDR="10.0.0.2")
    assert [s.status_code for s in again] == [200, 503]  # the HEAD held nothing; one stream took the room
    for stream in held + again:
        stream.close()


def test_streams_over_an_addresss_budget_are_refused_and_other_addresses_are_served(app, client, wall, roster):
    app.config.update(WALL_STREAMS_PER_LINK=100, WALL_STREAMS_PER_ADDRESS=2)
    _display, other_link = board.create_display(unit_by_key("icu"), "Nurses' station")
    fresh()
    held = open_streams(client, wall, 2, REMOTE_ADDR="10.0.0.1")
    refused = open_streams(client, other_link, 1, REMOTE_ADDR="10.0.0.1")  # another link, the same address
    elsewhere = open_streams(client, wall, 1, REMOTE_ADDR="10.0.0.9")
    assert [s.status_code for s in held + refused + elsewhere] == [200, 200, 503, 200]
    assert refused[0].headers["Retry-After"] == "15"
    for stream in held + refused + elsewhere:
        stream.close()


def test_behind_a_proxy_the_budget_is_the_visitors_address_not_the_proxys(database_uri, wall):
    proxied = _make_app(database_uri, PROXY_HOPS=1, WALL_STREAMS_PER_LINK=100, WALL_STREAMS_PER_ADDRESS=1)
    client = proxied.test_client()
    through_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    url = f"/wall/{wall}/stream"
    first = Held(client, url, environ_overrides=through_proxy, headers={"X-Forwarded-For": "203.0.113.5"})
    second = Held(client, url, environ_overrides=through_proxy, headers={"X-Forwarded-For": "203.0.113.5"})
    neighbour = Held(client, url, environ_overrides=through_proxy, headers={"X-Forwarded-For": "198.51.100.7"})
    assert [s.status_code for s in (first, second, neighbour)] == [200, 503, 200]
    for stream in (first, second, neighbour):
        stream.close()


def test_every_event_stream_in_the_app_is_budgeted(app, client, wall):
    """Generated from app.url_map: every route that answers with an event stream refuses one over its link's budget.
    A new stream route must take its budget (config.py, "Budgets of public edges") to pass."""
    app.config.update(WALL_STREAMS_PER_LINK=1, WALL_STREAMS_PER_ADDRESS=100)
    streams = [rule for rule in app.url_map.iter_rules() if rule.rule.endswith("/stream")]
    assert streams, "no event stream found"
    for rule in streams:
        assert rule.arguments == {"token"}, f"{rule.rule}: a stream keyed by something else needs its budget here"
        url = rule.rule.replace("<token>", wall)
        held = Held(client, url)
        assert held.status_code == 200 and held.headers["Content-Type"].startswith("text/event-stream"), rule.rule
        over = Held(client, url)
        assert (over.status_code, "Retry-After" in over.headers) == (503, True), rule.rule
        held.close()
        over.close()


def test_an_unknown_link_holds_no_budget(app, client, wall):
    app.config.update(WALL_STREAMS_PER_ADDRESS=1)
    assert client.get("/wall/not-a-link/stream").status_code == 404
    assert client.get("/wall/not-a-link/stream").status_code == 404
    [held] = open_streams(client, wall, 1)
    assert held.status_code == 200
    held.close()


# --- a real flood, under gunicorn with gevent workers as in production ----------------------------------------------

FLOOD = int(os.environ.get("RCBINGO_STREAM_FLOOD", "2000"))


def gunicorn(port: int, database_uri: str, workers: int = 2, graceful_timeout: int = 2,
             **settings) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_uri, SECRET_KEY="flood", PYTHONPATH=str(ROOT),
               **{k: str(v) for k, v in settings.items()})
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gevent", "--workers", str(workers),
                               "--worker-connections", "1000", "--graceful-timeout", str(graceful_timeout), "--bind",
                               f"127.0.0.1:{port}", "--log-level", "error", "wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True)
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def timed(url: str) -> float:
    """Seconds until `url` answers 200 (a failure or a wait over 5 s is infinite)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - our own server
            answer.read()
            return time.monotonic() - started if answer.status == 200 else float("inf")
    except OSError:
        return float("inf")


def test_a_flood_of_streams_on_one_link_leaves_health_and_the_card_answering_within_a_second(app, wall,
                                                                                             database_uri):
    """FLOOD streams opened at once on one display link, from loopback, and held open: the server answers at most its
    budget with a stream and refuses the rest (503, Retry-After); while they are held, /health and the kiosk card
    answer within a second. (Before the budgets the streams took every connection of both workers, and nothing else
    was answered.) Bounded: FLOOD sockets, about fifteen seconds. The burst itself is answered at the server's pace
    (about 2,000 refusals a second here, on a shared 2-core machine): a request sent in the middle of it waits its turn.
    """
    from rcbingo.extensions import db

    db.engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn(port, database_uri)
    sockets: list[socket.socket] = []
    try:
        assert timed(f"{base}/u/icu/card") < 5  # (its first render, before the flood)
        request = f"GET /wall/{wall}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        for _ in range(FLOOD):
            flood = socket.create_connection(("127.0.0.1", port), timeout=10)
            flood.sendall(request)
            sockets.append(flood)
        answers = {"stream": 0, "refused": 0, "none": 0}
        for flood in sockets:
            try:
                head = flood.recv(4096).decode(errors="replace")
            except TimeoutError:
                answers["none"] += 1
                continue
            if head.startswith("HTTP/1.1 200") and "text/event-stream" in head:
                answers["stream"] += 1
            else:
                assert head.startswith("HTTP/1.1 503") and "Retry-After: 15" in head, head[:200]
                answers["refused"] += 1
        assert answers["stream"] <= 2 * 20 and answers["refused"] >= FLOOD - 40, answers  # two workers, 20 each
        # Every flood socket still open, nobody reading: the server serves everyone else.
        waits = []
        for _ in range(5):
            waits += [timed(f"{base}/health"), timed(f"{base}/u/icu/card")]
            time.sleep(0.2)
        assert max(waits) < 1, waits
    finally:
        for flood in sockets:
            flood.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def test_a_wall_refused_for_its_budget_shows_a_calm_sign_and_comes_back_by_itself(app, wall, live_server, browser):
    from playwright.sync_api import expect

    app.config.update(WALL_STREAMS_PER_LINK=0, WALL_STREAM_RETRY_SECONDS=1)
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        errors, asked = [], []
        screen.on("pageerror", lambda error: errors.append(str(error)))
        screen.on("request", lambda r: asked.append(r.method) if r.url.endswith(f"/wall/{wall}/stream") else None)
        screen.goto(f"{live_server}/wall/{wall}")
        expect(screen.locator(".wall-board")).to_be_visible()  # the board as the page was made
        expect(screen.get_by_text("Reconnecting…")).to_be_visible(timeout=5_000)  # the stream refused: a calm sign
        # The page asks whether there is room with HEAD, which holds nothing, and is told to wait (Retry-After).
        for _ in range(100):
            if "HEAD" in asked:
                break
            screen.wait_for_timeout(100)
        assert "HEAD" in asked
        app.config.update(WALL_STREAMS_PER_LINK=10)  # room again
        expect(screen.get_by_text("Reconnecting…")).to_be_hidden(timeout=15_000)
        expect(screen.locator(".wall-board")).to_be_visible()
        assert errors == []
    finally:
        screen.close()
