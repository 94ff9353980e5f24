"""The request budget (health.RequestBudget) against the real server, gunicorn with two gevent workers: a request
out of time is answered with exactly one status and one set of headers, whenever its time runs out."""

import os
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest

from rcbingo.extensions import db
from rcbingo.health import HeldStart

from .test_faults import ROOT, free_port

BUDGET = 0.5


@pytest.fixture
def server(app, database_uri, tmp_path):
    db.engine.dispose()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=str(database_uri), SECRET_KEY="budget", PYTHONPATH=str(ROOT),
               REQUEST_TIMEOUT_SECONDS=str(BUDGET), SLOW_SECONDS=str(BUDGET * 4))
    env.pop("RATELIMIT_STORAGE_URI", None)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--worker-class",
                                "gevent", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "error",
                                "tests.slow_app:app"], cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(300):
            try:
                if raw_get(port, "/health")[0].startswith("HTTP/1.1 200"):
                    break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def raw_get(port: int, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The status line, every header line as sent (repeats kept) and the body, read off the socket."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, [tuple(part.strip() for part in line.split(":", 1)) for line in lines], body


def test_a_request_out_of_time_gets_one_503_with_one_set_of_headers(server):
    for path in ["/slow/view", "/slow/teardown"] * 3:
        status, headers, body = raw_get(server, path)
        names = Counter(name.lower() for name, _value in headers)
        assert status.startswith("HTTP/1.1 503"), (path, status)
        assert {name: count for name, count in names.items() if count > 1} == {}, (path, headers)
        assert int(dict(headers)["Content-Length"]) == len(body)
        assert b"Back in a moment" in body and b"An answer made in time" not in body
        assert dict(headers)["Content-Security-Policy"].startswith("default-src 'none'")
    # An answer made in time is sent as the app made it.
    status, headers, body = raw_get(server, "/health")
    assert status.startswith("HTTP/1.1 200") and int(dict(headers)["Content-Length"]) == len(body)
    assert len([name for name, _value in headers if name.lower() == "content-type"]) == 1


def test_held_headers_reach_the_server_once_before_the_first_write():
    calls, written = [], []

    def server_start(status, headers, exc_info=None):
        calls.append((status, headers, exc_info))
        return written.append

    held = HeldStart(server_start)
    write = held("200 OK", [("Content-Length", "2")])
    held("500 INTERNAL SERVER ERROR", [("Content-Length", "5")], exc_info=(None, None, None))
    assert calls == []  # held: the app may still change its mind, as WSGI allows
    write(b"ok")
    held.send()
    assert calls == [("500 INTERNAL SERVER ERROR", [("Content-Length", "5")], None)] and written == [b"ok"]
