"""A coordinator at work, in headless Chromium: sign in, find a flagged card, redact it, approve it."""

from playwright.sync_api import expect

from rcbingo.cards import service
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key

from .browser import serious_accessibility_violations
from .conftest import PASSWORD, fresh, sign_in_on

STORY = "Phil sat with Mrs. Okonkwo in bed 4 until her son arrived."


def test_a_coordinator_redacts_and_approves_a_flagged_card(tablet, client, roster, card_form, make_account):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    client.post("/u/icu/card", data=card_form(story=STORY, flagged="review"))  # (sent as it is, for review)
    make_account(roles=[("icu", "coordinator")])
    page = tablet

    page.goto("/")
    page.get_by_role("link", name="Coordinators").click()
    page.get_by_label("Email").fill("coord@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Review cards").click()

    item = page.locator(".review-item").filter(has_text="Possible patient information")
    item.get_by_role("link", name="Review").click()
    expect(page.locator("mark.finding")).to_have_count(2)
    expect(page.locator("mark.finding").first).to_contain_text("Okonkwo")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="Reject").click()  # no reason given: the page comes back at the reason box
    reason = page.get_by_label("Reason (seen by coordinators only)")
    expect(reason).to_be_focused()
    expect(page.get_by_text("Say briefly why, for the other coordinators.")).to_be_in_viewport()

    page.get_by_label("Story").fill("Phil sat with a patient until the family arrived.")
    page.get_by_role("button", name="Save and approve").click()
    expect(page.get_by_text("Card approved: it counts now.")).to_be_visible()
    expect(page.get_by_text("Nothing waiting.")).to_be_visible()

    fresh()
    [card] = db.session.scalars(service.published_cards()).all()
    assert card.story == "Phil sat with a patient until the family arrived."
    assert [r.story for r in card.revisions] == [STORY]


def test_the_kiosk_shows_no_way_to_sign_in(tablet, roster):
    page = tablet
    page.goto("/u/icu/card")
    expect(page.get_by_label("Your name")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    expect(page.get_by_role("link", name="Coordinators")).to_have_count(0)
    expect(page.get_by_role("link", name="Units")).to_have_count(0)  # nor a way off the card for a passer-by


def test_a_coordinator_copies_a_new_display_link_with_one_tap(tablet, roster, make_account):
    make_account(roles=[("icu", "coordinator")])
    page = tablet
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in_on(page, "coord@example.org")
    page.goto("/u/icu/displays")
    page.get_by_label("Display name").press_sequentially("Break room", delay=250)
    page.get_by_role("button", name="Make a display link").click()
    link = page.locator("code.link").inner_text()
    assert "/wall/" in link
    page.bring_to_front()  # (a browser lets only the page in front use the clipboard)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
    # On the clipboard, or (where the browser allows no clipboard) selected and copied through the menu's Copy.
    copied = page.evaluate("navigator.clipboard.readText().catch(() => getSelection().toString())")
    assert copied.strip() == link
