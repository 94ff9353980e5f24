"""A kiosk and a wall display side by side: the wall changes by itself when a card is published."""

import uuid

import pytest
from playwright.sync_api import expect

from rcbingo.board import service as board
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS

from .test_board import workgroup_id


def test_the_wall_shows_a_new_stamp_and_celebrates_a_win_without_reload(browser, live_server, app, roster):
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

    banner = wall.locator(".winner-banner")
    expect(banner).to_contain_text("Bingo!", timeout=5_000)
    expect(banner).to_contain_text("Pharmacists")
    expect(banner).to_have_class("winner-banner celebrate")
    expect(pharmacists).to_contain_text("7 of 7")
    assert wall.evaluate("window.notReloaded") is True


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
