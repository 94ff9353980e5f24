"""A flood of PDF requests: every PDF route (found in app.url_map) makes at most PDF_RENDERS_AT_ONCE at a time on the
host; the rest wait briefly, then get a 503 with Retry-After and a page that says to try again, never a 500."""

import threading
import time
from datetime import date

import pytest

from rcbingo.newsletter import service as newsletter
from rcbingo.org.service import unit_by_key
from rcbingo.slots import NoSlot, slot

from .conftest import Auth

AT_ONCE, WAIT, RENDER, FLOOD = 2, 0.3, 1.0, 7
# A render that takes RENDER seconds and notes how many renders ran at once.
FAKE_RENDER = f"""
import os, pathlib, sys, time
running = pathlib.Path(sys.argv[0]).parent / "running"
me = running / str(os.getpid())
me.touch()
with open(running.parent / "seen", "a") as seen:
    seen.write(f"{{len(list(running.iterdir()))}}\\n")
sys.stdin.buffer.read()
time.sleep({RENDER})
me.unlink()
sys.stdout.buffer.write(b"%PDF-1.4 made by the test")
"""


@pytest.fixture
def flood(app, roster, make_account, tmp_path, monkeypatch):
    """Signed-in clients, a slow fake renderer, and the path values of the PDF routes."""
    app.config.update(PDF_RENDERS_AT_ONCE=AT_ONCE, PDF_RENDER_WAIT_SECONDS=WAIT)
    (tmp_path / "running").mkdir()
    script = tmp_path / "fake_pdf.py"
    script.write_text(FAKE_RENDER)
    monkeypatch.setattr(newsletter, "PDF_SCRIPT", script)
    issue = newsletter.draft(unit_by_key("icu"), date.today().replace(day=1))
    make_account("admin@example.org", is_admin=True)
    signed_in = app.test_client()
    assert Auth(signed_in).sign_in("admin@example.org").status_code == 302
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    def client():
        made = app.test_client()
        made.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        return made

    return client, {"unit_key": "icu", "issue_id": issue.id}, tmp_path / "seen"


def pdf_routes(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".pdf") and "GET" in rule.methods]


def test_pdf_routes_are_found(app):
    assert len(pdf_routes(app)) >= 3


def test_a_flood_of_pdf_requests_gets_a_few_made_and_the_rest_a_polite_503(app, flood):
    client, values, seen = flood
    for rule in pdf_routes(app):
        missing = rule.arguments - values.keys()
        assert not missing, f"add a value for {missing} (in {rule.rule}) to the flood fixture"
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        answers, start = [], threading.Barrier(FLOOD)

        def ask(url=url, start=start, answers=answers):
            visitor = client()
            start.wait()
            began = time.monotonic()
            response = visitor.get(url)
            answers.append((response.status_code, response.headers.get("Retry-After"),
                            response.get_data(as_text=True), time.monotonic() - began))

        threads = [threading.Thread(target=ask) for _ in range(FLOOD)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        statuses = sorted(status for status, *_ in answers)
        assert statuses == [200] * AT_ONCE + [503] * (FLOOD - AT_ONCE), (rule.rule, statuses)
        for status, retry_after, page, took in answers:
            if status == 503:
                assert retry_after and int(retry_after) >= 1
                assert "Many PDFs are being made right now; try again in a few seconds." in page
                assert took < WAIT + RENDER, "a refused request is answered after a short wait"
    assert max(int(n) for n in seen.read_text().split()) <= AT_ONCE


def test_slots_are_shared_by_processes_and_freed_when_the_holder_ends(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "slots"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from rcbingo.slots import slot\n"
        f"with slot(Path({str(folder)!r}), 1, 1):\n    print('held', flush=True); time.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(NoSlot), slot(folder, 1, 0.2):
            pass
    finally:
        holder.kill()
        holder.wait()
    with slot(folder, 1, 1):  # the killed holder's slot is free at once
        pass
