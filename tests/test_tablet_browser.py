"""A shared unit tablet day to day, in headless Chromium at a person's pace: enrolled once, then the card."""

import re

from playwright.sync_api import expect

from rcbingo.org import tablets
from rcbingo.org.service import save_unit_settings, unit_by_key

CARD_HEADING = "Tell us about your Ward Connections experience"


def test_an_enrolled_tablet_stays_on_its_card_through_a_refresh_and_the_link_opened_again(tablet, roster, browser,
                                                                                          live_server):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=True, actor=None)
    _tablet, link = tablets.create_enrolment(unit_by_key("icu"), "Nurses' station", None)
    page = tablet
    page.goto(f"/enrol/{link}")
    page.get_by_role("button", name="Enrol this tablet").click()
    expect(page.get_by_role("heading", name=CARD_HEADING)).to_be_visible()
    assert page.url.endswith("/u/icu/card")  # the card's own address: what a refresh or a restart opens
    page.reload()
    expect(page.get_by_role("heading", name=CARD_HEADING)).to_be_visible()
    page.goto(f"/enrol/{link}")  # the link opened again (history, a bookmark, the code scanned twice)
    expect(page.get_by_role("heading", name=CARD_HEADING)).to_be_visible()
    assert page.url.endswith("/u/icu/card")
    page.get_by_label("Your story").press_sequentially("Kept", delay=250)  # a working card, not an error page

    other = browser.new_context(base_url=live_server).new_page()  # a device that is not the enrolled tablet
    other.goto(f"/enrol/{link}")
    expect(other.get_by_role("heading", name="This enrolment link was already used")).to_be_visible()
    expect(other.get_by_text("Ask a coordinator of Intensive Care for a new link")).to_be_visible()
    expect(other.get_by_text("Page not found")).to_have_count(0)
    other.context.close()


def test_a_half_written_card_counts_down_a_touch_keeps_it_and_then_it_clears(tablet, roster, app):
    """Someone called away mid-card: the card warns, keeps it for a touch, and then really wipes it."""
    from .browser import serious_accessibility_violations
    from .test_card_browser import open_card_from_home

    app.config.update(CARD_IDLE_SECONDS=10, CARD_IDLE_WARNING_SECONDS=8)
    page = tablet
    open_card_from_home(page)
    countdown, status = page.locator("#card-idle"), page.get_by_role("status").filter(has_text="card")
    page.get_by_label("Your name").press_sequentially("Norma Nightshift", delay=250)
    page.get_by_label("Your story").press_sequentially("Bed 7 was calm", delay=250)
    expect(countdown).to_be_hidden()
    expect(countdown).to_be_visible(timeout=4_000)  # 2 s after the last key
    expect(countdown).to_contain_text("seconds until this card clears for the next person.")
    expect(countdown).to_contain_text("Touch anywhere to keep your card.")
    expect(page.locator("#card-idle-status")).to_have_text(
        re.compile(r"This card clears in \d seconds\. Touch anywhere to keep it\."))
    assert int(countdown.locator("[data-idle-count]").inner_text()) <= 8
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-idle-count]')).fontSize)") >= 32
    assert serious_accessibility_violations(page) == []

    page.get_by_role("heading", name="What happened").click()  # a touch anywhere
    expect(countdown).to_be_hidden()
    expect(page.locator("#card-idle-status")).to_have_text("Your card is kept.")
    expect(page.get_by_label("Your story")).to_have_value("Bed 7 was calm")

    expect(countdown).to_be_visible(timeout=4_000)
    expect(page.get_by_label("Your story")).to_have_value("", timeout=12_000)
    expect(countdown).to_be_hidden()
    expect(status).to_have_text("The card was cleared for the next person.")
    html = page.content()
    assert "Bed 7" not in html and "Norma" not in html
    expect(page.get_by_label("Your name")).to_be_in_viewport()  # the next person starts at the top of the card
    assert page.evaluate("window.scrollY") == 0


def test_a_colleague_is_found_despite_a_slip_or_by_profession_and_nobody_found_is_said(tablet, roster):
    from rcbingo.org.service import load_roster

    from .conftest import ROSTER
    from .test_card_browser import open_card_from_home

    load_roster({**ROSTER, "staff": [*ROSTER["staff"], {"name": "Rosa Lopez", "workgroup": "nurses", "unit": "icu"},
                                     {"name": "Paula Pill", "workgroup": "pharmacists", "unit": "ward"}]})
    page = tablet
    open_card_from_home(page)
    name, no_match = page.get_by_label("Name", exact=True), page.locator("#nominees-0-no-match")
    name.click()
    name.press_sequentially("Rossa", delay=250)  # a finger slipped
    page.get_by_role("option", name=re.compile("Rosa Lopez")).click()
    expect(name).to_have_value("Rosa Lopez")
    expect(page.get_by_label("Workgroup", exact=True)).to_have_value("nurses")
    expect(page.get_by_role("button", name="Add another person")).to_be_focused()  # on to the next step

    name.click()
    name.fill("")
    name.press_sequentially("pharm", delay=250)  # the profession, not the name
    expect(page.get_by_role("option", name=re.compile("Paula Pill"))).to_be_visible()
    expect(page.get_by_role("option", name=re.compile("Phil Pharma"))).to_be_visible()
    expect(no_match).to_be_hidden()

    name.fill("")
    name.press_sequentially("Zed Quill", delay=250)  # not on the roster
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(no_match).to_have_text("No match on the roster: type their full name and choose their workgroup.")
    expect(no_match).to_have_attribute("role", "status")
    page.get_by_label("Workgroup", exact=True).select_option(label="Pharmacists")  # as it says
    expect(no_match).to_be_visible()  # still there while they choose
    name.click()
    name.press("End")
    for _ in range(len("Zed Quill")):
        name.press("Backspace")
    expect(no_match).to_be_hidden()
