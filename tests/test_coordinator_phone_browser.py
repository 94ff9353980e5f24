"""A coordinator's day on a phone (390×844), in headless Chromium, at a person's pace: the unit's pages start under
one menu line, the roster fits the screen, a unit's first game has every workgroup ticked, a form sent back says
what to fix where the eye is, and the review page's decision is in reach from the first screenful."""

import pytest
from playwright.sync_api import expect

from rcbingo.org.service import save_unit_settings, unit_by_key

from .browser import serious_accessibility_violations
from .conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
WORKGROUPS = ("Nurses", "Pharmacists", "Rehabilitation therapists")


@pytest.fixture
def phone(browser, live_server, roster, make_account):
    """A coordinator of the ICU, signed in on a phone."""
    make_account(roles=[("icu", "coordinator")])
    context = browser.new_context(viewport=PHONE, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").press_sequentially("coord@example.org", delay=50)
    page.get_by_label("Password").press_sequentially(PASSWORD, delay=50)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Casey Coordinator")).to_be_visible()
    yield page
    context.close()


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_coordinator_starts_a_units_first_game_on_a_phone(phone):
    page = phone
    page.get_by_role("link", name="Roster").click()
    fits_the_phone(page)  # the roster's rows are stacked: name, workgroup, and its buttons beside them
    for button in page.get_by_role("button", name="Retire").all():
        box = button.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
    menu = page.get_by_role("navigation", name="Manage Intensive Care")
    assert menu.bounding_box()["height"] < 80  # one line, not ten tabs
    expect(page.get_by_role("heading", name="Staff")).to_be_in_viewport()
    assert serious_accessibility_violations(page) == []

    menu.get_by_text("Menu").click()
    menu.get_by_role("link", name="Games").click()
    for name in WORKGROUPS:  # the unit's first game: everyone plays unless the coordinator says otherwise
        expect(page.get_by_label(name)).to_be_checked()
    page.get_by_label("Title").press_sequentially("First bingo", delay=250)
    for name in WORKGROUPS:
        page.get_by_label(name).uncheck()
    page.get_by_role("button", name="Create the game").click()

    summary = page.locator(".form-problems")  # sent back: what to fix, at the top, where the focus is
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Choose at least two workgroups to play.")
    summary.get_by_role("link", name="Choose at least two workgroups to play.").click()
    beside = page.locator("#workgroups-problem")  # and beside the boxes to tick
    expect(beside).to_have_text("Choose at least two workgroups to play.")
    expect(beside).to_be_in_viewport()
    expect(page.get_by_label("Title")).to_have_value("First bingo")
    page.get_by_label("Nurses").check()
    page.get_by_label("Pharmacists").check()
    page.get_by_role("button", name="Create the game").click()
    expect(page.get_by_text("First bingo is ready.")).to_be_visible()
    fits_the_phone(page)


def test_a_coordinator_triages_and_decides_on_a_phone(phone, client, card_form):
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    client.post("/u/icu/card", data=card_form(practice="Came back after her shift",
                                              story="Phil came back after her shift to show us the new pump."))
    page = phone
    page.get_by_role("link", name="Review cards").click()
    expect(page.get_by_text("Phil came back after her shift to show us the new pump.")).to_be_visible()  # triage
    page.get_by_role("link", name="Review card").click()

    approve, reject = page.get_by_role("button", name="Save and approve"), page.get_by_role("button", name="Reject")
    expect(approve).to_be_in_viewport()  # the decision, from the first screenful
    expect(reject).to_be_in_viewport()
    assert serious_accessibility_violations(page) == []
    reject.click()  # without a reason: the page comes back at the reason box, clear of the decision bar
    reason = page.get_by_label("Reason (seen by coordinators only)")
    expect(reason).to_be_focused()
    expect(page.get_by_text("Say briefly why, for the other coordinators.")).to_be_in_viewport()
    bar_top = page.locator(".decision-bar").bounding_box()["y"]
    box = reason.bounding_box()
    assert box["y"] + box["height"] <= bar_top
    reason.press_sequentially("Told twice already", delay=250)
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Card rejected: it counts for nothing.")).to_be_visible()

    menu = page.get_by_role("navigation", name="Manage Intensive Care")
    menu.get_by_text("Menu").click()
    menu.get_by_role("link", name="Settings").click()
    for radio in page.get_by_role("radio").all():  # long labels never squash the round buttons
        box = radio.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
