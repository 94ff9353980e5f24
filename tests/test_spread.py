"""The organization view: each unit's activity, games and winners."""

from datetime import timedelta

import pytest

from rcbingo.database import utcnow
from rcbingo.spread.service import activity, week_starts

from .test_board import PHARMACIST, publish
from .test_board import game as _game  # noqa: F401 - the fixture, used by name below


def test_weeks_end_now_and_run_oldest_first():
    now = utcnow()
    starts = week_starts(now, 3)
    assert starts == [now - timedelta(days=21), now - timedelta(days=14), now - timedelta(days=7)]


@pytest.mark.usefixtures("_game")
def test_each_units_cards_games_and_winners_are_counted(client, make_account, auth):
    from rcbingo.rc import DIMENSION_KEYS

    publish([PHARMACIST], DIMENSION_KEYS)
    rows = {row.unit.key: row for row in activity()}
    assert rows["icu"].weekly[-1] == 1 and rows["icu"].total == 1
    assert (rows["icu"].games, rows["icu"].running, rows["icu"].winners) == (1, "Round 1", ["Pharmacists"])
    assert rows["ward"].total == 0 and rows["ward"].first_card is None
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    page = client.get("/admin/organization").get_data(as_text=True)
    assert "Intensive Care" in page and "Pharmacists" in page and "not started" in page


@pytest.mark.usefixtures("_game")
def test_the_chart_has_one_scale_and_each_unit_links_to_its_board(client, make_account, auth):
    from rcbingo.rc import DIMENSION_KEYS

    publish([PHARMACIST], DIMENSION_KEYS)
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    page = client.get("/admin/organization").text
    assert '<a href="/u/icu/board"><bdi>Intensive Care</bdi></a>' in page
    assert '<a href="/u/ward/board"><bdi>Surgical Ward</bdi></a>' in page
    assert "from 0 to 1 cards a week" in page
    assert page.count('class="scale-label"') >= 2 * 4  # each unit's chart: its top, its 0, and its weeks


@pytest.mark.usefixtures("_game")
def test_a_leader_reads_the_organization_view_on_a_phone_and_opens_a_unit(browser, live_server, make_account):
    from playwright.sync_api import expect

    from .conftest import PASSWORD

    make_account("admin@example.org", is_admin=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  base_url=live_server)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").press_sequentially("admin@example.org", delay=60)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    page.get_by_role("link", name="How the game spreads").tap()
    page.wait_for_timeout(1000)  # a person reads the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    unit = page.locator(".spread tbody tr").first
    name, total = unit.locator("th").bounding_box(), unit.locator("td").nth(1).bounding_box()
    assert total["y"] > name["y"] + name["height"] - 1  # stacked: the unit's figures under its name
    label = unit.locator("td").nth(1).evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Cards in all"'  # each line says what it is
    expect(page.get_by_text("Every unit's bars share one scale")).to_be_visible()
    unit.get_by_role("link", name="Intensive Care").tap()
    expect(page).to_have_url(f"{live_server}/u/icu/board")
    context.close()
