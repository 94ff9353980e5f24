"""Patient details caught at Send, and one tap per marked word for coordinators: at a person's pace, in Chromium."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from rcbingo.cards.models import Card
from rcbingo.extensions import db

from .browser import serious_accessibility_violations
from .conftest import PASSWORD, fresh

STORY = "Phil sat with Mrs. Okonkwo in room 12 all night."


def stored_cards():
    fresh()
    return list(db.session.scalars(select(Card)))


def test_a_nurse_sees_the_room_number_marked_edits_then_removes_it_and_sends(tablet, roster):
    page = tablet
    page.goto("/u/icu/card")
    for label, typed, name in (("Your name", "Nora", "Nora Nurse"), ("Name", "Phil", "Phil Pharma")):
        page.get_by_label(label, exact=True).press_sequentially(typed, delay=250)
        page.get_by_role("option", name=re.compile(name)).click()  # picked, as people do: the list closes
        expect(page.get_by_role("listbox")).to_have_count(0)
    page.get_by_label("Timely").check()
    page.get_by_label("Your story").press_sequentially(STORY, delay=250, timeout=60_000)
    page.get_by_text("Yes, share it").click()
    page.get_by_role("button", name="Send recognition").click()

    # Not sent: the words the screen marked, in place in what was typed, and three plain choices.
    expect(page.get_by_role("heading", name="Check before you send")).to_be_focused(timeout=15_000)
    marks = page.locator(".check-text mark.finding")
    expect(marks).to_have_text(["Okonkwo (possible patient name)", "room 12 (possible room number)"])
    shown = re.compile(r"^Phil sat with Mrs\. Okonkwo.* in room 12.* all night\.$")
    expect(page.locator(".check-text")).to_have_text(shown)
    assert serious_accessibility_violations(page) == []
    assert stored_cards() == []

    page.get_by_role("button", name="Edit").click()  # back to the card, everything typed kept
    expect(page.get_by_label("Your story")).to_have_value(STORY)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Phil Pharma")
    expect(page.get_by_label("Timely")).to_be_checked()
    expect(page.get_by_text("May be about a patient: “Okonkwo”, “room 12”").first).to_be_visible()

    page.get_by_role("button", name="Send recognition").click()
    page.get_by_role("button", name="Remove them and send").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    [card] = stored_cards()
    assert card.story == "Phil sat with Mrs. [patient] in [room] all night." and not card.flagged


def test_a_coordinator_replaces_each_marked_word_with_one_tap(tablet, client, roster, card_form, make_account):
    client.post("/u/icu/card", data=card_form(story=STORY, flagged="review"))
    make_account(roles=[("icu", "coordinator")])
    page = tablet
    page.goto("/sign-in")
    page.get_by_label("Email").press_sequentially("coord@example.org", delay=250)
    page.get_by_label("Password").press_sequentially(PASSWORD, delay=250)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Review cards").click()
    page.locator(".review-item").get_by_role("link", name=re.compile("Review")).click()

    story = page.get_by_label("Story", exact=True)
    page.get_by_role("button", name="Replace “room 12” with [room]").click()
    expect(story).to_have_value("Phil sat with Mrs. Okonkwo in [room] all night.")
    expect(page.get_by_role("status").filter(has_text="Replaced with [room]")).to_be_attached()
    expect(page.get_by_role("button", name="Replace “Okonkwo” with [patient]")).to_be_focused()
    page.wait_for_timeout(1_000)
    page.get_by_role("button", name="Replace “Okonkwo” with [patient]").click()
    expect(story).to_have_value("Phil sat with Mrs. [patient] in [room] all night.")
    expect(story).to_be_focused()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Save and approve").click()
    expect(page.get_by_text("Card approved: it counts now.")).to_be_visible()
    [card] = stored_cards()
    assert card.story == "Phil sat with Mrs. [patient] in [room] all night." and card.revisions[0].story == STORY


def test_an_untouched_check_clears_itself_for_the_next_person(tablet, roster, app):
    page = tablet
    page.goto("/u/icu/card")
    page.get_by_label("Your name").fill("Nora Nurse")
    page.get_by_label("Your workgroup").select_option(label="Nurses")
    page.get_by_label("Name", exact=True).fill("Phil Pharma")
    page.get_by_label("Workgroup", exact=True).select_option(label="Pharmacists")
    page.get_by_label("Timely").check()
    page.get_by_label("Your story").fill(STORY)
    page.get_by_text("Yes, share it").click()
    app.config.update(CARD_IDLE_SECONDS=3)  # (the check is made with it; the card was not)
    page.get_by_role("button", name="Send recognition").click()
    expect(page.get_by_role("heading", name="Check before you send")).to_be_visible(timeout=15_000)
    expect(page.get_by_label("Your story")).to_have_value("", timeout=8_000)  # a blank card, the story gone
    expect(page.get_by_text("Okonkwo")).to_have_count(0)
    assert stored_cards() == []
