"""Faults: the server is killed (SIGKILL) while 50 tablets send cards with retries, then restarted."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect
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


def send(base: str, secret: str, key: str, story: str, timeout: float = 5) -> int:
    """One card through the API, as a tablet integration sends it; returns the stored card's id."""
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{base}/api/v1/units/icu/cards", data=json.dumps(CARD | {"story": story}).encode(), method="POST",
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own server
        return json.loads(response.read())["id"]


def test_every_acknowledged_card_survives_a_killed_server_exactly_once(app, roster, database_uri, browser):
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
            while time.monotonic() < stop + 20:  # a tablet retries the same card until it is acknowledged
                try:
                    card_id = send(base, secret, key, f"Card {key} sent while the server fell over.")
                # (any answer cut short is no acknowledgement: a server killed mid-answer may have sent its headers)
                except (OSError, http.client.HTTPException, ValueError):
                    time.sleep(0.2)
                else:
                    with lock:
                        acknowledged[key] = card_id
                    break
            sent += 1

    # A wall display open in the break room before the fall.
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{base}/wall/{wall}")
    expect(screen.locator(".wall-board")).to_be_visible()
    screen.evaluate("window.notReloaded = true")

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
        # The wall reconnected by itself: the next card reaches it without anyone touching the screen.
        acknowledged["after"] = send(base, secret, "after", "After the restart the wall caught up by itself.")
        expect(screen.get_by_text("After the restart the wall caught up by itself.")).to_be_visible(timeout=15_000)
        assert screen.evaluate("window.notReloaded") is True
    finally:
        screen.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    fresh()
    stored = dict(db.session.execute(select(Card.id, func.count()).group_by(Card.id)).all())
    assert len(acknowledged) > 50
    assert all(card_id in stored for card_id in acknowledged.values())  # nothing acknowledged was lost
    assert len(set(acknowledged.values())) == len(acknowledged)  # one card per idempotency key
    assert db.session.scalar(select(func.count()).select_from(Card)) == len(acknowledged)  # and no extra copies
