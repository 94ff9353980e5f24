"""A card carrying hostile text in every field, published, then read on every surface it reaches.

One card per hostile line (nominator, nominee, practice and story all carry it), sent through the kiosk, approved
when the patient-information screen holds it, then read where people and programs read it: the kiosk's thank-you,
the board, the wall and its stream, the review page, the newsletter page, its HTML and PDF exports, the API's JSON
and the CSV export. Nothing may be live markup, no format string may be interpreted, nothing may be fetched or
attached, no cell may start a formula, and no answer may be a server error. And what every surface shows is exactly
the text the patient-information screen read: each field as stored is a text the screen was given, every surface
shows the stored text, and no surface shows an invisible character (hostile lines carry invisible and look-alike
characters in every field).
"""

import contextvars
import csv
import io
import json
import re
import socket
import subprocess
import threading
from datetime import date, timedelta

import pytest
from flask import got_request_exception
from flask.testing import FlaskClient
from sqlalchemy import select

from rcbingo.api import service as api
from rcbingo.board import service as board
from rcbingo.cards import service as cards
from rcbingo.cards.models import Card, CardStatus
from rcbingo.cards.rules import NAME_MAX
from rcbingo.extensions import db
from rcbingo.newsletter import service as newsletter
from rcbingo.org.models import Workgroup
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.text import has_invisible

from . import hostile
from .conftest import csrf_from, fresh
from .hostile import Page

LINES = [line for line in hostile.hostile_lines() if line.strip() and len(line) <= NAME_MAX]
FORMAT_LINE = next(line for line in LINES if "%(x)s" in line)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class Listener:
    """A TCP listener on 127.0.0.1: the hostile lines' URLs point at it, and nothing may connect."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[str] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            connection.settimeout(1)
            try:
                self.connections.append(connection.recv(200).decode("latin-1").split("\r\n")[0])
            except OSError:
                self.connections.append("(connected, sent nothing)")
            connection.close()

    def close(self):
        self.server.close()


@pytest.fixture
def listener():
    opened = Listener()
    yield opened
    opened.close()


def normal(text: str) -> str:
    return " ".join(text.split())


def point_at(line: str, port: int) -> str:
    return line.replace("127.0.0.1:9/", f"127.0.0.1:{port}/")


class Surfaces:
    """Requests to the app, each in its own context (a stream is read and closed in it), noting server errors, and
    every problem once per surface with the inputs it was seen after."""

    def __init__(self, app, client):
        self.client, self.errors = client, []
        self.found: dict[tuple[str, str], list[str]] = {}
        app.config["PROPAGATE_EXCEPTIONS"] = False

    def problem(self, surface: str, text: str, after: str | None = None) -> None:
        seen = self.found.setdefault((surface, text), [])
        if after is not None:
            seen.append(after)

    @property
    def problems(self) -> list[str]:
        return [f"{surface}: {text}" + (f" (seen with {', '.join(after[:4])}{'…' if len(after) > 4 else ''})"
                                        if after else "") for (surface, text), after in self.found.items()]

    def keep(self, _sender, exception, **_extra):
        self.errors.append(exception)

    def get(self, surface: str, url: str, *, stream: bool = False, after: str | None = None, **kwargs):
        self.errors.clear()

        def exchange():
            response = FlaskClient.open(self.client, url, **kwargs)
            if not stream or response.status_code != 200:
                return response.status_code, response.get_data(), response.headers
            chunks = []
            for chunk in response.response:
                chunks.append(chunk if isinstance(chunk, bytes) else chunk.encode())
                if b"event:" in chunks[-1]:
                    break
            response.close()
            return response.status_code, b"".join(chunks), response.headers

        try:
            status, body, headers = contextvars.Context().run(exchange)
        except Exception as exc:
            self.problem(surface, f"raised {hostile.exception_summary(exc)}", after)
            return None, b"", {}
        if status >= 500:
            self.problem(surface, f"{status} {'; '.join(hostile.exception_summary(e) for e in self.errors)}", after)
        return status, body, headers

    def html(self, surface: str, body: bytes | str, expected: list[str] = (), after: str | None = None) -> Page:
        page = Page(body.decode() if isinstance(body, bytes) else body)
        for problem in page.problems:
            self.problem(surface, problem, after)
        if has_invisible(page.text):
            self.problem(surface, "shows an invisible character the screen did not read", after)
        for text in expected:
            if text and normal(text) not in page.text:
                self.problem(surface, f"{hostile.show(text)} is not shown as text", after)
        return page


def post_card(client, card_form, line: str, **choice):
    """The kiosk's card with the line in every text field (sent as a browser would, lone surrogates included)."""
    fields = card_form(**{"nominator-name": line, "nominees-0-name": line, "practice": line, "story": line}, **choice)
    pairs = [(k, v) for k, values in fields.items() for v in (values if isinstance(values, list) else [values])]
    return contextvars.Context().run(lambda: FlaskClient.open(
        client, "/u/icu/card", method="POST", data=hostile.query_string(pairs),
        content_type="application/x-www-form-urlencoded"))


def test_hostile_card_text_is_inert_on_every_surface(app, client, roster, card_form, make_account, auth, listener,
                                                   tmp_path, monkeypatch):
    icu = unit_by_key("icu")
    app.config["CARDS_PER_ADDRESS"] = "100000 per minute"  # one kiosk sends every hostile card (tested: the budget)
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Round", start_now=True,
                      workgroup_ids=list(db.session.scalars(select(Workgroup.id))))
    _display, wall_token = board.create_display(icu, "Break room")
    _token, secret = api.create_token("Reader", [icu], can_write=False, can_export=True, actor=None)
    admin = make_account("admin@example.org", is_admin=True)
    surfaces = Surfaces(app, client)
    got_request_exception.connect(surfaces.keep, app)
    lines = [point_at(line, listener.port) for line in LINES]
    screened: set[str] = set()  # every text the patient-information screen read

    def reading(screen):
        def read(text, staff=()):
            screened.add(text)
            return screen(text, staff)
        return read

    monkeypatch.setattr(cards, "screen", reading(cards.screen))
    monkeypatch.setattr(cards, "screen_name", reading(cards.screen_name))

    stored: list[Card] = []
    for line in lines:
        after = hostile.show(line, 30)
        response = post_card(client, card_form, line)
        if b'name="flagged"' in response.data:  # the screen's check before sending: the writer sends it as it is
            surfaces.html("kiosk check", response.get_data(), [], after)
            response = post_card(client, card_form, line, flagged="review")
        fresh()
        card = db.session.scalars(select(Card).order_by(Card.id.desc())).first()
        if response.status_code != 200 or card is None or (stored and card.id == stored[-1].id):
            surfaces.problem("kiosk", f"card not stored: {response.status_code}", after)
            continue
        names = ", ".join(n.name for n in card.nominees)
        # (a thank-you for a card the screen held says no name back: it may be a marked one)
        surfaces.html("kiosk thank-you", response.get_data(), [] if card.flagged else [names], after)
        if card.status is not CardStatus.PUBLISHED:  # held by the patient-information screen: a coordinator approves
            cards.approve(card, actor=admin)
            fresh()
            card = db.session.get(Card, card.id)
        stored.append(card)
        for text in (card.story, card.practice, card.nominator_name, *(n.name for n in card.nominees)):
            if text not in screened:
                surfaces.problem("screen", f"{hostile.show(text)} is stored and shown but was never screened", after)
        story = card.story
        _s, body, _h = surfaces.get("board", "/u/icu/board", after=after)
        surfaces.html("board", body, [story, card.practice], after)
        _s, body, _h = surfaces.get("wall", f"/wall/{wall_token}", after=after)
        surfaces.html("wall", body, [story, card.practice], after)
        _s, body, _h = surfaces.get("wall stream", f"/wall/{wall_token}/stream", stream=True, after=after)
        check_stream(surfaces, body.decode(), [story, card.practice], after)

    auth.sign_in("admin@example.org")
    for card in stored:
        after = hostile.show(card.story, 30)
        _s, body, _h = surfaces.get("review page", f"/u/icu/review/{card.id}", after=after)
        surfaces.html("review page", body, [card.story, card.practice, card.nominator_name, card.nominees[0].name],
                      after)
    _s, body, _h = surfaces.get("review queue", "/u/icu/review")
    surfaces.html("review queue", body)

    issue = newsletter.draft(icu, date.today().replace(day=1))
    fresh()
    # The editor's title and Markdown introduction carry the lines too: the one place input becomes markup.
    page = client.get(f"/newsletter/{issue.id}").get_data(as_text=True)
    saved = contextvars.Context().run(lambda: FlaskClient.open(
        client, f"/newsletter/{issue.id}", method="POST", content_type="application/x-www-form-urlencoded",
        data=hostile.query_string([("csrf_token", csrf_from(page)), ("action", "save"), ("title", FORMAT_LINE),
                                   ("intro", "\n\n".join(lines)), ("grouping", "dimension"),
                                   ("checked", "y")])))  # (the screen flags some lines: the editor checked them)
    if saved.status_code != 302:
        surfaces.problem("newsletter page", f"saving the hostile title and introduction: {saved.status_code}")
    expected = [FORMAT_LINE] + [text for card in stored for text in (card.story, card.practice, card.nominees[0].name)]
    _s, body, _h = surfaces.get("newsletter page", f"/newsletter/{issue.id}")
    surfaces.html("newsletter page", body, [card.story for card in stored])
    _s, body, _h = surfaces.get("newsletter HTML export", f"/newsletter/{issue.id}/issue.html")
    surfaces.html("newsletter HTML export", body, expected)
    status, body, _h = surfaces.get("newsletter PDF export", f"/newsletter/{issue.id}/issue.pdf")
    if status == 200:
        check_pdf(surfaces, body, tmp_path)
    else:
        surfaces.problem("newsletter PDF export", f"answered {status}")

    bearer = {"Authorization": f"Bearer {secret}"}
    _s, body, _h = surfaces.get("API cards", "/api/v1/units/icu/cards?limit=200", headers=bearer)
    check_api_cards(surfaces, body, stored)
    status, body, _h = surfaces.get("API board", "/api/v1/units/icu/board", headers=bearer)
    if status != 200 or not body.startswith(b"{"):
        surfaces.problem("API board", f"answered {status}")
    span = f"from={date.today() - timedelta(days=1)}&to={date.today() + timedelta(days=1)}"
    _s, body, _h = surfaces.get("CSV export", f"/api/v1/units/icu/cards.csv?{span}", headers=bearer)
    check_csv(surfaces, body, stored)

    got_request_exception.disconnect(surfaces.keep, app)
    if listener.connections:
        surfaces.problem("rendering", f"fetched from the input's address: {listener.connections}")
    assert len(stored) == len(lines), "every hostile card should be stored (see the problems below)"
    assert surfaces.problems == [], f"{len(surfaces.problems)} problems:\n" + "\n".join(surfaces.problems)


def check_stream(surfaces: Surfaces, text: str, expected: list[str], after: str) -> None:
    """Only SSE fields the app writes, each HTML line a data line; the board inside is inert."""
    html_lines = []
    for line in text.split("\n"):
        if line.startswith("data: "):
            html_lines.append(line[6:])
        elif line and not line.startswith(("event: ", "retry: ", ":")):
            surfaces.problem("wall stream", f"a line the app did not write: {line[:60]!r}", after)
    if "event: board" not in text:
        surfaces.problem("wall stream", f"no board event ({text[:80]!r})", after)
    surfaces.html("wall stream", "\n".join(html_lines), expected, after)


def check_pdf(surfaces: Surfaces, pdf: bytes, tmp_path) -> None:
    path = tmp_path / "issue.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    if normal(FORMAT_LINE) not in normal(text.decode()):
        surfaces.problem("newsletter PDF export", f"{FORMAT_LINE!r} is not in its text as written")
    attached = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, check=True).stdout.decode()
    if not attached.startswith("0 embedded files"):
        surfaces.problem("newsletter PDF export", f"files attached: {attached.strip()[:200]!r}")


def check_api_cards(surfaces: Surfaces, body: bytes, stored: list[Card]) -> None:
    try:
        listed = {c["id"]: c for c in json.loads(body)["cards"]}
    except (ValueError, KeyError) as error:
        surfaces.problem("API cards", f"not the JSON list ({error})")
        return
    for card in stored:
        shown = listed.get(card.id)
        if shown is None:
            surfaces.problem("API cards", f"card {card.id} is missing")
        elif (shown["story"], shown["practice"], shown["writer"]["name"], shown["nominees"][0]["name"]) != (
                card.story, card.practice, card.nominator_name, card.nominees[0].name):
            surfaces.problem("API cards", f"card {card.id} is not as stored: {hostile.show(shown['story'])}")


def check_csv(surfaces: Surfaces, body: bytes, stored: list[Card]) -> None:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    if len(rows) != len(stored) + 1:
        surfaces.problem("CSV export", f"{len(rows) - 1} rows for {len(stored)} cards")
    for row in rows[1:]:
        for column, cell in zip(rows[0], row, strict=False):
            if cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
                surfaces.problem("CSV export", f"a cell a spreadsheet would run: {cell[:60]!r}", column)
