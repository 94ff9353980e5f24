"""The tablet and the wall through an outage, in headless Chromium: nothing typed is lost, nothing needs a reload."""

import os
import re
import shutil
import signal
import tempfile
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from rcbingo.board import service as board
from rcbingo.cards import service as cards
from rcbingo.cards.models import Card
from rcbingo.cards.rules import Draft, Entry
from rcbingo.database import outage
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key

from .browser import TABLET_PORTRAIT
from .conftest import TEST_DATABASE_URL, fresh
from .outages import DatabaseSwitch, Server
from .test_board import workgroup_id
from .test_resilience_faults import Gunicorn, seed

STORY = "Phil came back at three in the morning to recheck the heparin drip with us."


@pytest.fixture
def icu(app, roster):
    outage.reset()
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Night round", start_now=True,
                      workgroup_ids=[workgroup_id("nurses"), workgroup_id("pharmacists")])
    yield icu
    outage.reset()


@pytest.fixture
def server(app):
    app.config.update(THANKS_SECONDS=60, CARD_IDLE_SECONDS=1, CARD_IDLE_WARNING_SECONDS=0, RETRY_AFTER_SECONDS=1)
    server = Server(app)
    server.start()
    yield server
    server.stop()


def fill_card(page) -> None:
    for label, typed, name in (("Your name", "Nora", "Nora Nurse"), ("Name", "Phil", "Phil Pharma")):
        page.get_by_label(label, exact=True).fill(typed)
        page.get_by_role("option", name=re.compile(name)).click()  # picked: no late list covers what follows
        expect(page.get_by_role("listbox")).to_have_count(0)
    page.get_by_label("Timely").check()
    page.get_by_label("Your story").fill(STORY)
    page.get_by_label("Yes, share it").check()


def stored_with_story() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(Card).where(Card.story == STORY))


@pytest.mark.parametrize("fault", ["no network", "no database"])
def test_a_card_sent_during_an_outage_waits_on_screen_and_is_stored_once_when_the_server_returns(
        browser, app, icu, server, fault):
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    page = context.new_page()
    switch = DatabaseSwitch(db.engine)
    try:
        page.goto("/u/icu/card")
        fill_card(page)
        if fault == "no network":  # the server cannot be reached at all
            page.route("**/u/icu/card", lambda route: route.abort("connectionrefused")
                       if route.request.method == "POST" else route.continue_())
        else:  # the server answers 503: its database is away
            switch.away = True
        page.get_by_role("button", name="Send recognition").click()

        expect(page.get_by_role("alert")).to_contain_text("Not sent yet: we will try again.")
        expect(page.get_by_label("Your story")).to_have_value(STORY)
        page.wait_for_timeout(1_500)  # longer than the card's idle reset (1 s here): it waits, it is not wiped
        expect(page.get_by_label("Your story")).to_have_value(STORY)
        expect(page.get_by_label("Your name")).to_have_value("Nora Nurse")
        if fault == "no network":
            assert stored_with_story() == 0

        page.unroute("**/u/icu/card")
        switch.away = False
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15_000)
        page.wait_for_timeout(1_000)  # a retry already on its way would land now
        assert stored_with_story() == 1
    finally:
        switch.remove()
        context.close()


def test_a_thank_you_that_cannot_fetch_the_next_card_hides_the_last_names_and_tries_again(browser, app, icu, server):
    app.config.update(THANKS_SECONDS=2)
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    page = context.new_page()
    switch = DatabaseSwitch(db.engine)
    try:
        page.goto("/u/icu/card")
        fill_card(page)
        page.get_by_role("button", name="Send recognition").click()
        expect(page.get_by_text("Your recognition of Phil Pharma")).to_be_visible()
        switch.away = True  # the blank card for the next person cannot be made
        expect(page.get_by_text("Your recognition of Phil Pharma")).to_have_count(0, timeout=5_000)
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()  # (not replaced: it failed)
        switch.away = False
        expect(page.get_by_label("Your name")).to_have_value("", timeout=5_000)
        expect(page.get_by_label("Your story")).to_have_value("")
    finally:
        switch.remove()
        context.close()


@pytest.fixture
def wall(browser, icu, server):
    """A page at a wall's size, the address of a display link, and the switch that takes the database away."""
    _display, token = board.create_display(icu, "Break room")
    switch = DatabaseSwitch(db.engine)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    yield page, f"{server.url}/wall/{token}", switch
    switch.remove()
    page.close()


def test_a_wall_opened_during_an_outage_shows_the_board_by_itself_when_the_database_is_back(wall):
    page, address, switch = wall
    switch.away = True
    response = page.goto(address)
    assert response.status == 503 and response.headers["retry-after"] == "1"
    expect(page.get_by_role("heading", name="Back in a moment")).to_be_visible()
    switch.away = False
    expect(page.locator(".wall-board")).to_be_visible(timeout=10_000)  # it reloaded itself
    expect(page.locator("#wall-status")).to_be_hidden()
    publish("The wall came back by itself.")
    expect(page.get_by_text("The wall came back by itself.")).to_be_visible(timeout=5_000)


def test_an_open_wall_says_reconnecting_while_the_database_is_away_and_never_reloads(wall):
    page, address, switch = wall
    page.goto(address)
    expect(page.locator(".wall-board")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#wall-status")).to_be_hidden()
    switch.away = True
    expect(page.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible(timeout=5_000)
    switch.away = False
    expect(page.locator("#wall-status")).to_be_hidden(timeout=5_000)
    publish("Still on the wall, never reloaded.")
    expect(page.get_by_text("Still on the wall, never reloaded.")).to_be_visible(timeout=5_000)
    assert page.evaluate("window.notReloaded") is True


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the database plays no part: runs in the SQLite pass only")
def test_a_wall_says_reconnecting_while_its_server_is_down_and_comes_back_without_a_reload(browser, database_uri):
    folder = tempfile.mkdtemp(prefix="rcbingo-wall-")
    _secret, token = seed(database_uri)
    server = Gunicorn(folder, database_uri)
    server.start()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(f"{server.base}/wall/{token}")
        expect(page.locator(".wall-board")).to_be_visible()
        page.evaluate("window.notReloaded = true")
        os.killpg(server.process.pid, signal.SIGKILL)  # every stream drops at once
        server.process.wait()
        expect(page.locator("#wall-status")).to_be_visible(timeout=5_000)
        server.start()
        expect(page.locator("#wall-status")).to_be_hidden(timeout=10_000)
        assert page.evaluate("window.notReloaded") is True
    finally:
        page.close()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def publish(story: str) -> None:
    cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                       nominees=(Entry("Phil Pharma", "pharmacists", "icu"),),
                       dimensions=frozenset({"accurate"}), story=story), unit_by_key("icu"), uuid.uuid4().hex)


def test_a_card_past_the_budget_stays_on_screen_with_its_message_and_is_not_sent_again(browser, app, icu, server,
                                                                                       client, card_form):
    app.config.update(CARDS_PER_ADDRESS="1 per minute", CARD_IDLE_SECONDS=600)
    assert client.post("/u/icu/card", data=card_form()).status_code == 200  # this address's one card a minute
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    page = context.new_page()
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    try:
        page.goto("/u/icu/card")
        fill_card(page)
        page.get_by_role("button", name="Send recognition").click()
        expect(page.get_by_role("alert")).to_contain_text("wait a minute, then tap Send again")
        page.wait_for_timeout(4_000)  # the resend of an unsent card would have come twice by now
        assert len(posts) == 1
        expect(page.get_by_label("Your story")).to_have_value(STORY)
        expect(page.get_by_label("Your name")).to_have_value("Nora Nurse")
        expect(page.get_by_text("Not sent yet")).to_have_count(0)
        assert stored_with_story() == 0
    finally:
        context.close()
