"""The card as staff use it: on a tablet, by touch, in headless Chromium."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from rcbingo.cards.models import Card
from rcbingo.extensions import db

from .browser import serious_accessibility_violations
from .conftest import fresh


@pytest.fixture
def fast_thanks(app):
    app.config.update(THANKS_SECONDS=1)


def stored_cards():
    fresh()
    return list(db.session.scalars(select(Card)))


def open_card_from_home(page):
    page.goto("/")
    unit = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Intensive Care"))
    unit.get_by_role("link", name="Recognise a colleague").click()
    page.wait_for_load_state("load")  # styles included: the tests measure the laid-out page
    expect(page.get_by_role("heading", name="Tell us about your Ward Connections experience")).to_be_visible()


def pick_from_roster(page, label: str, typed: str, name: str):
    page.get_by_label(label, exact=True).first.press_sequentially(typed, delay=30)
    page.get_by_role("button", name=re.compile(name)).click()
    expect(page.get_by_label(label, exact=True).first).to_have_value(name)
    expect(page.get_by_label(label, exact=True).first).to_be_focused()


def test_a_nurse_recognises_a_pharmacist_on_a_tablet(tablet, roster, fast_thanks):
    page = tablet
    open_card_from_home(page)
    pick_from_roster(page, "Your name", "Nor", "Nora Nurse")
    expect(page.get_by_label("Your workgroup")).to_have_value("nurses")
    pick_from_roster(page, "Name", "Phi", "Phil Pharma")
    expect(page.get_by_label("Workgroup", exact=True)).to_have_value("pharmacists")
    page.get_by_label("Timely").check()
    page.get_by_label("Accurate").check()
    page.get_by_label("Which practice impressed you most").fill("Checked the rate before it was hung")
    page.get_by_label("Your story").fill("Phil called within minutes with the corrected rate.")
    page.get_by_role("button", name="Send recognition").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.get_by_text("Your recognition of Phil Pharma has been sent.")).to_be_visible()
    # The thank-you screen hands the tablet back to an empty card by itself.
    expect(page.get_by_label("Your name")).to_be_visible(timeout=5_000)
    expect(page.get_by_label("Your name")).to_have_value("")
    expect(page.get_by_label("Your story")).to_have_value("")
    expect(page.get_by_label("Timely")).not_to_be_checked()

    [card] = stored_cards()
    assert card.nominees[0].workgroup.key == "pharmacists"
    assert card.dimension_keys == {"timely", "accurate"}


def test_a_same_workgroup_card_is_refused_with_the_story_kept(tablet, roster):
    page = tablet
    open_card_from_home(page)
    pick_from_roster(page, "Your name", "Nora", "Nora Nurse")
    page.get_by_label("Name", exact=True).fill("Ned Night")
    page.get_by_label("Workgroup", exact=True).select_option(label="Nurses")
    page.get_by_label("Mutual Respect").check()
    story = "Ned stayed an hour past his shift to help with a difficult turn."
    page.get_by_label("Your story").fill(story)
    page.get_by_role("button", name="Send recognition").click()

    expect(page.get_by_text("Recognition goes to another profession")).to_be_visible()
    expect(page.get_by_label("Your story")).to_have_value(story)
    expect(page.get_by_label("Mutual Respect")).to_be_checked()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ned Night")
    assert stored_cards() == []
    assert serious_accessibility_violations(page) == []


def test_people_are_added_and_removed_without_a_reload(tablet, roster):
    page = tablet
    open_card_from_home(page)
    page.evaluate("window.loadedOnce = true")
    page.get_by_role("button", name="Add another person").click()
    page.get_by_role("button", name="Add another person").click()
    names = page.get_by_label("Name", exact=True)
    expect(names).to_have_count(3)
    names.nth(1).fill("Rita Rehab")
    page.get_by_role("button", name="Remove this person").nth(2).click()
    expect(names).to_have_count(2)
    expect(names.nth(1)).to_have_value("Rita Rehab")
    assert page.evaluate("window.loadedOnce") is True


def test_an_idle_card_clears_itself(tablet, roster, app):
    app.config.update(CARD_IDLE_SECONDS=2)
    page = tablet
    open_card_from_home(page)
    page.get_by_label("Your story").fill("Half a story, then an alarm went off")
    expect(page.get_by_label("Your story")).to_have_value("", timeout=6_000)


def test_the_back_button_shows_nothing_the_last_person_typed(tablet, roster, fast_thanks):
    page = tablet
    open_card_from_home(page)
    page.get_by_label("Your story").fill("Something private about my colleague")
    page.goto("/")
    page.go_back()
    expect(page.get_by_label("Your story")).to_have_value("")


def test_the_blank_card_has_no_serious_accessibility_problem(tablet, roster):
    page = tablet
    open_card_from_home(page)
    assert serious_accessibility_violations(page) == []


def test_every_control_is_big_enough_to_touch(tablet, roster):
    page = tablet
    open_card_from_home(page)
    small = page.evaluate("""() => [...document.querySelectorAll(
        '#card input:not([type=hidden]), #card select, #card textarea, #card button, .tile, .choice-option')]
        .map(e => [e.id || e.className, e.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44).map(([n]) => n)""")
    # Checkboxes and radios sit inside tiles that are their labels; the tiles themselves are measured.
    assert [name for name in small if not name.startswith(("dim-", "consent_publish-", "show_nominator_name-"))] == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
