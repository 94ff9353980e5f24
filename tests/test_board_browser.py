"""A kiosk and a wall display side by side: the wall changes by itself when a card is published."""

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from rcbingo.board import service as board
from rcbingo.board.models import Win
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.database import utcnow
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS

from .conftest import fresh
from .test_board import workgroup_id


def test_the_wall_shows_a_new_stamp_and_celebrates_a_win_once_confirmed_without_reload(browser, live_server, app,
                                                                                         roster, make_account):
    app.config["WALL_CELEBRATION_SECONDS"] = 2
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Live round", prize="Pizza", start_now=True,
                      workgroup_ids=[workgroup_id(k) for k in ("nurses", "pharmacists", "rehab")])
    cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"), nominees=(Entry("Phil Pharma", "pharmacists",
                                                                                        "icu"),),
                       dimensions=frozenset(DIMENSION_KEYS[:5]), story="Five squares already."), icu, uuid.uuid4().hex)
    _display, token = board.create_display(icu, "Break room")

    wall = browser.new_page(viewport={"width": 1920, "height": 1080})
    wall.goto(f"{live_server}/wall/{token}")
    pharmacists = wall.locator("tr", has=wall.get_by_role("rowheader", name="Pharmacists"))
    expect(pharmacists).to_contain_text("5 of 7")
    wall.evaluate("window.notReloaded = true")

    kiosk = browser.new_page(viewport={"width": 768, "height": 1024})
    send_card(kiosk, live_server, "Nora Nurse", "Problem Solving", "Phil stayed to fix the pump problem with us.")

    expect(pharmacists).to_contain_text("6 of 7", timeout=5_000)
    expect(wall.get_by_text("Phil stayed to fix the pump problem with us.")).to_be_visible()
    assert wall.evaluate("window.notReloaded") is True

    send_card(kiosk, live_server, "Ned Night", "Accurate", "Phil double-checked every dose on a hard night.")

    # One anonymous card completed the board: the wall says the bingo is being checked, and does not celebrate...
    checking = wall.locator(".checking-banner")
    expect(checking).to_contain_text("Bingo! Being checked", timeout=5_000)
    expect(checking).to_contain_text("Pharmacists")
    expect(pharmacists).to_contain_text("7 of 7")
    moment = wall.locator("#wall-moment")
    wall.wait_for_timeout(1_000)
    assert moment.count() == 0 and wall.locator(".winner-banner").count() == 0
    # ...until a coordinator confirms it.
    fresh()
    board.confirm_win(db.session.scalar(select(Win)), actor=make_account(roles=[("icu", "coordinator")]))

    # The win is a moment: the whole screen, within 2 s of the confirmation, with the prize and the stories behind it...
    expect(moment).to_be_visible(timeout=2_000)
    expect(moment).to_contain_text("Bingo!")
    expect(moment).to_contain_text("Pharmacists")
    expect(moment).to_contain_text("Prize: Pizza")
    expect(moment).to_contain_text("Phil double-checked every dose on a hard night.")
    expect(moment).to_contain_text("Five squares already.")
    assert moment.bounding_box() == {"x": 0, "y": 0, "width": 1920, "height": 1080}
    # ...that ends by itself (WALL_CELEBRATION_SECONDS), leaving the board with the winner marked.
    expect(moment).to_have_count(0, timeout=4_000)
    banner = wall.locator(".winner-banner")
    expect(banner).to_contain_text("Bingo!")
    expect(banner).to_contain_text("Pharmacists")
    expect(pharmacists).to_contain_text("7 of 7")
    expect(pharmacists).to_have_class("winner")
    expect(checking).to_have_count(0)
    assert wall.evaluate("window.notReloaded") is True


def test_a_wall_opened_after_the_win_shows_the_winner_marked_and_turns_its_stories(browser, live_server, app,
                                                                                      roster):
    app.config.update(WALL_STORY_SECONDS=1, WALL_NEW_STORY_SECONDS=0)  # (a new story stays on top: test_wall_browser)
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Live round", prize="Pizza", start_now=True,
                      workgroup_ids=[workgroup_id(k) for k in ("nurses", "pharmacists")])
    for n, dimension in enumerate((*DIMENSION_KEYS, "timely")):
        cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                           nominees=(Entry("Phil Pharma", "pharmacists", "icu"),), dimensions=frozenset({dimension}),
                           story=f"Story {n}: the pharmacist came up to the unit, went through every infusion with the "
                                 "night team and stayed until the new rates were running and written down."),
                     icu, uuid.uuid4().hex)
    # The win was declared and confirmed a while ago: this wall opens after it.
    db.session.execute(update(Win).values(declared_at=utcnow() - timedelta(minutes=6),
                                          confirmed_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    _display, token = board.create_display(icu, "Break room")

    wall = browser.new_page(viewport={"width": 1366, "height": 768})
    wall.goto(f"{live_server}/wall/{token}")
    expect(wall.locator(".winner-banner")).to_contain_text("Pharmacists")
    expect(wall.locator("tr", has=wall.get_by_role("rowheader", name="Pharmacists"))).to_have_class("winner")
    wall.wait_for_function("sessionStorage.getItem('rcbingo-wall-celebrated')")  # the wall has looked at the win...
    assert wall.locator("#wall-moment").count() == 0  # ...and not celebrated it

    # The stories column turns through the newest stories, showing only whole ones, and the board does not move.
    measure = """() => {
        const window = document.querySelector('#wall .stories-window').getBoundingClientRect();
        const shown = [...document.querySelectorAll('#wall .stories-window .story-card:not(.story-away)')];
        return {first: shown[0].querySelector('.story-text').textContent, shown: shown.length,
                cut: shown.some(li => li.getBoundingClientRect().bottom > window.bottom + 1),
                away: document.querySelectorAll('#wall .story-away').length,
                grid: JSON.stringify(document.querySelector('.wall-grid').getBoundingClientRect())};
    }"""
    wall.wait_for_function("document.querySelector('#wall .story-away')")
    before = wall.evaluate(measure)
    assert before["first"].startswith("Story 7:") and before["shown"] >= 2 and before["away"] > 0
    assert not before["cut"]
    wall.wait_for_function("() => !document.querySelector('#wall .story-card:not(.story-away) .story-text')"
                           ".textContent.startsWith('Story 7:')", timeout=2_500)
    wall.wait_for_timeout(900)  # the turn settles
    after = wall.evaluate(measure)
    assert after["first"].startswith("Story 6:") and not after["cut"] and after["grid"] == before["grid"]
    wall.close()


def send_card(kiosk, live_server, nurse: str, dimension: str, story: str) -> None:
    """A nurse recognises Phil the pharmacist on the ICU tablet."""
    kiosk.goto(f"{live_server}/u/icu/card")
    kiosk.get_by_label("Your name").fill(nurse)
    kiosk.get_by_label("Your workgroup").select_option(label="Nurses")
    kiosk.get_by_label("Name", exact=True).fill("Phil Pharma")
    kiosk.get_by_label("Workgroup", exact=True).select_option(label="Pharmacists")
    kiosk.get_by_label(dimension).check()
    kiosk.get_by_label("Your story").fill(story)
    kiosk.get_by_label("Yes, share it").check()
    kiosk.get_by_role("button", name="Send recognition").click()
    expect(kiosk.get_by_role("heading", name="Thank you!")).to_be_visible()


@pytest.mark.parametrize("screen", [(1920, 1080), (1366, 768), (1024, 768), (768, 1024), (1080, 1920)])
def test_the_demo_wall_fits_its_screen_with_every_heading_readable(browser, live_server, app, screen):
    """The demo ICU's board (ten workgroups) on a landscape or upright screen: no scrolling, no clipped heading."""
    from rcbingo.demo import seed

    seed()
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    width, height = screen
    wall = browser.new_page(viewport={"width": width, "height": height})
    wall.goto(f"{live_server}/wall/{token}")
    expect(wall.get_by_role("rowheader", name="Speech therapists")).to_be_visible()
    # Measured in one go: the stream may swap in the same board at any moment.
    clipped, bottom, right, page_width = wall.evaluate("""() => {
        const grid = document.querySelector('.wall-grid').getBoundingClientRect();
        const clipped = [...document.querySelectorAll('.grid thead th')]
            .filter(th => th.scrollWidth > th.clientWidth + 1).map(th => th.textContent.trim());
        return [clipped, grid.bottom, grid.right, document.documentElement.scrollWidth];
    }""")
    assert clipped == [] and bottom <= height and right <= width and page_width <= width
    wall.close()
