"""The public edges against the real server (gunicorn with gunicorn.conf.py, two gevent workers): a `SCRIPT_NAME`
header from a trusted proxy's address poisons no page, the access log masks an address however it is spelled, the
PDF budget holds across worker processes, and a burst of sign-ins stalls no other request."""

import http.client
import os
import re
import subprocess
import sys
import threading
import time
from datetime import date
from urllib.parse import urlencode
from uuid import uuid4

import pytest

from rcbingo.board.service import create_display
from rcbingo.extensions import db
from rcbingo.newsletter import service as newsletter
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import PASSWORD, fresh
from .test_faults import ROOT, free_port

REDIS = "redis://127.0.0.1:6379/9"


@pytest.fixture
def server(request, app, roster, database_uri, make_account, tmp_path):
    """A seeded unit and an administrator; the server at 127.0.0.1 (gunicorn trusts forwarded headers from it), with
    its own counts in Redis, and settings a test may add (parametrize "server" indirectly with a dict)."""
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    _display, wall = create_display(unit_by_key("icu"), "Break room")
    newsletter.draft(unit_by_key("icu"), date.today().replace(day=1))
    make_account("admin@example.org", is_admin=True)
    fresh()
    db.engine.dispose()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=str(database_uri), SECRET_KEY="live", PYTHONPATH=str(ROOT),
               PDF_RENDERS_AT_ONCE="1", PDF_RENDER_WAIT_SECONDS="0.5", RATELIMIT_STORAGE_URI=REDIS,
               RATELIMIT_KEY_PREFIX=f"live-{uuid4().hex}", **getattr(request, "param", {}))
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--worker-class",
                                "gevent", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "error",
                                "--access-logfile", str(tmp_path / "access.log"), "wsgi:app"],
                               cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(150):
            try:
                if get(port, "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield port, wall
    finally:
        process.terminate()
        process.wait(10)


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
    finally:
        connection.close()


def sign_in(port: int, email: str = "admin@example.org", password: str = PASSWORD):
    """The session cookie of the administrator (or the answer to another sign-in)."""
    _status, page, headers = get(port, "/sign-in")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"email": email, "password": password, "csrf_token": token})
    connection.request("POST", "/sign-in", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    if email != "admin@example.org":
        return response.status
    assert response.status == 302
    # (a device cookie may come too: the session's is the one named as Flask names it)
    return next(c.split(";")[0] for c in response.headers.get_all("Set-Cookie") if c.startswith("session="))


def test_a_script_name_header_from_the_proxy_poisons_no_page(server):
    port, wall = server
    for path in ("/", "/u/icu/card", "/u/icu/board", f"/wall/{wall}", "/sign-in"):
        for _ in range(4):  # each worker
            get(port, "/evilprefix" + path, {"SCRIPT_NAME": "/evilprefix", "X-Forwarded-Prefix": "/evilprefix"})
        for _ in range(4):
            status, page, _headers = get(port, path)
            assert status == 200 and "evilprefix" not in page, path
        # a prefix the path does not start with is no prefix at all (gunicorn answered its own 500)
        assert get(port, path, {"SCRIPT_NAME": "/evilprefix"})[0] == 200, path


def test_the_access_log_masks_secrets_and_searches_however_the_address_is_spelled(server, tmp_path):
    port, wall = server
    for path in (f"/w%61ll/{wall}", f"/W%2541LL/{wall}", f"/wall%2F{wall}", f"/sign-in?next=%2Fw%2561ll%2F{wall}",
                 f"//wall//{wall}", f"/wall//{wall}/stream",
                 "/stories?%77ords=Alvarez", "/stories?unit=icu&wo%2572ds=Alvarez+room+12"):
        get(port, path, {"Referer": f"http://127.0.0.1/w%61ll/{wall}?%77ords=Alvarez"})
    get(port, "/health")
    time.sleep(0.5)
    log = (tmp_path / "access.log").read_text()
    assert log.count("[hidden]") >= 6 and "Alvarez" not in log, log
    assert wall not in log, [line for line in log.splitlines() if wall in line]


def test_the_pdf_budget_holds_across_the_servers_workers(server):
    port, _wall = server
    cookie = sign_in(port)
    answers, start = [], threading.Barrier(5)

    def ask():
        start.wait()
        answers.append(get(port, "/u/icu/print/paper-cards.pdf", {"Cookie": cookie}))

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(status for status, _page, _headers in answers)
    assert statuses[0] == 200 and statuses[-1] == 503 and set(statuses) == {200, 503}, statuses
    assert statuses.count(200) <= 2, "one at a time, a second only if the first finished within the wait"
    for status, page, headers in answers:
        if status == 503:
            assert int(headers["Retry-After"]) >= 1 and "try again in a few seconds" in page


def test_every_worker_counts_failed_sign_ins_together(server):
    """gunicorn's access log once read the routes' secrets from a second app made in each worker, which bound the
    shared limiter to memory: each worker then counted failed sign-ins alone (5 a minute became 10, unevenly)."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    port, _wall = server
    for _ in range(6):  # every worker logs a request (and makes its access log's patterns) first
        get(port, "/health")
    email = f"nobody-{uuid4().hex}@example.org"
    answers = [sign_in(port, email, "wrong password") for _ in range(9)]
    assert answers == [401] * 5 + [429] * 4


@pytest.mark.parametrize("server", [{"SIGN_INS_PER_ADDRESS": "1000 per minute"}], indirect=True)
def test_a_burst_of_sign_ins_stalls_neither_health_nor_a_card(server):
    """40 sign-ins sent at once (unknown emails, as an attacker's): each password hash once ran on its worker's event
    loop, and the worker answered nothing else until all were done (a kiosk card waited 13 s, walls reconnected).
    Hashed off the loop, a few at a time, the workers answer /health and a blank card within a second meanwhile."""
    port, _wall = server
    burst = 40
    prepared = []
    for _ in range(burst):
        _status, page, headers = get(port, "/sign-in")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
        prepared.append((headers["Set-Cookie"].split(";")[0], token))
    start, answered = threading.Barrier(burst + 1), []

    def attempt(cookie, token):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = urlencode({"email": f"nobody-{uuid4().hex}@example.org", "password": "any", "csrf_token": token})
        start.wait()
        connection.request("POST", "/sign-in", body=body, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answered.append((connection.getresponse().status, time.monotonic()))
        connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in prepared]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(0.2)  # (the burst reaches the workers)
    probes = []
    for path in ("/health", "/u/icu/card") * 3:  # (each worker, by turns)
        began = time.monotonic()
        status = get(port, path)[0]
        probes.append((path, status, round(time.monotonic() - began, 2)))
    probed = time.monotonic()
    for thread in threads:
        thread.join(60)
    assert all(status == 200 and took < 1 for _path, status, took in probes), probes
    assert len(answered) == burst and {status for status, _at in answered} <= {401, 503}, answered
    assert max(at for _status, at in answered) > probed, "the probes ran while the burst was being answered"
