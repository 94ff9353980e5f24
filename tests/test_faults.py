"""Faults: the server is killed (SIGKILL) while 50 tablets send cards with retries, then restarted."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from rcbingo.api.service import create_token
from rcbingo.board.service import create_display
from rcbingo.cards.models import Card
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import fresh

ROOT = Path(__file__).resolve().parent.parent
CARD = {"nominator": {"name": "Nora Nurse", "workgroup": "nurses", "unit": "icu"},
        "nominees": [{"name": "Phil Pharma", "workgroup": "pharmacists", "unit": "icu"}],
        "dimensions": ["timely"], "story": "Sent while the server fell over."}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, database_uri: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_uri, SECRET_KEY="faults", PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "2",
                               "--graceful-timeout", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "error",
                               "wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def test_every_acknowledged_card_survives_a_killed_server_exactly_once(app, roster, database_uri):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    _token, secret = create_token("tablets", [unit_by_key("icu")], can_write=True, can_export=False, actor=None)
    _display, wall = create_display(unit_by_key("icu"), "Break room")
    fresh()
    db.engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(port, database_uri)
    acknowledged: dict[str, int] = {}
    stop = time.monotonic() + 12
    lock = threading.Lock()

    def tablet(number: int):
        sent = 0
        while time.monotonic() < stop:
            key = f"tablet-{number}-{sent}"
            body = json.dumps(CARD | {"story": f"Card {key} sent while the server fell over."}).encode()
            while time.monotonic() < stop + 20:  # a tablet retries the same card until it is acknowledged
                headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": key,
                           "Content-Type": "application/json"}
                request = urllib.request.Request(  # noqa: S310 - our own server
                    f"{base}/api/v1/units/icu/cards", data=body, method="POST", headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own server
                        with lock:
                            acknowledged[key] = json.loads(response.read())["id"]
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.2)
            sent += 1

    tablets = [threading.Thread(target=tablet, args=(n,)) for n in range(50)]
    for t in tablets:
        t.start()
    time.sleep(4)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    time.sleep(1)
    server = start(port, database_uri)
    try:
        for t in tablets:
            t.join()
        # A wall that connects after the restart gets the board at once.
        with urllib.request.urlopen(f"{base}/wall/{wall}/stream", timeout=10) as stream:  # noqa: S310 - ours
            lines = [stream.readline().decode() for _ in range(3)]
        assert any(line.startswith("event: board") for line in lines)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    fresh()
    stored = dict(db.session.execute(select(Card.id, func.count()).group_by(Card.id)).all())
    assert len(acknowledged) > 50
    assert all(card_id in stored for card_id in acknowledged.values())  # nothing acknowledged was lost
    assert len(set(acknowledged.values())) == len(acknowledged)  # one card per idempotency key
    assert db.session.scalar(select(func.count()).select_from(Card)) == len(acknowledged)  # and no extra copies
