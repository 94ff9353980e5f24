"""An editor at work, in headless Chromium: open the month's draft, edit a story, publish, export."""

import re
import subprocess
import uuid
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.extensions import db
from rcbingo.newsletter import service as newsletter
from rcbingo.newsletter.models import IssueStory
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import PASSWORD, fresh, sign_in_on

EDITED = "Phil rang back in minutes."


def test_an_editor_edits_a_story_and_publishes_the_words_typed(tablet, roster, make_account):
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    draft = Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                  nominees=(Entry("Phil Pharma", "pharmacists", "icu"),),
                  dimensions=frozenset({"timely"}), story="Phil called.", practice="A quick call")
    cards.submit(draft, icu, uuid.uuid4().hex)
    issue = newsletter.draft(icu, date.today().replace(day=1))
    make_account("ed@example.org", roles=[("icu", "editor")])
    page = tablet

    page.goto("/")
    page.get_by_role("link", name="Coordinators").click()
    page.get_by_label("Email").fill("ed@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Newsletter", exact=True).click()
    page.get_by_role("link", name=re.compile(f"Open {re.escape(issue.title)}")).click()

    story = page.get_by_label("Story", exact=True)
    expect(story).to_have_value("Phil called.")
    story.fill("")
    story.press_sequentially(EDITED, delay=250)
    page.get_by_role("button", name="Save edit").click()
    expect(page.get_by_text("Story edited for this issue")).to_be_visible()
    expect(page.get_by_label("Story", exact=True)).to_have_value(EDITED)
    expect(page.get_by_label("Which practice impressed you most")).to_have_value("A quick call")

    page.once("dialog", lambda dialog: dialog.accept())  # "Publish this issue now?"
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. The issue is frozen")).to_be_visible()
    expect(page.locator("blockquote.story")).to_have_text(EDITED)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download HTML").click()
    exported = download.value.path().read_text(encoding="utf-8")
    assert re.findall(r'<p class="text"[^>]*>([^<]*)</p>', exported) == [EDITED]
    fresh()
    assert [s.story for s in db.session.scalars(select(IssueStory))] == [EDITED]


def test_an_editor_loses_no_unsaved_introduction_and_publishes_only_when_sure(tablet, roster, make_account):
    """A story's buttons redraw the stories alone, so an introduction typed but not yet saved stays in its box;
    leaving the page with it unsaved asks first; Publish says what it will do and waits for a yes."""
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    for story in ("Phil called.", "Nora stayed late."):
        cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                           nominees=(Entry("Phil Pharma", "pharmacists", "icu"),),
                           dimensions=frozenset({"timely"}), story=story), icu, uuid.uuid4().hex)
    issue = newsletter.draft(icu, date.today().replace(day=1))
    make_account("ed@example.org", roles=[("icu", "editor")])
    page = tablet
    sign_in_on(page, "ed@example.org")
    page.goto(f"/newsletter/{issue.id}")

    intro = page.get_by_label("Introduction")
    intro.press_sequentially("Thank you, night shift.", delay=250)
    first_story = page.locator(".issue-story").first
    text = first_story.get_by_label("Story", exact=True)
    text.click()
    text.press("Control+End")  # after the last word, as a person taps
    text.press_sequentially(" Twice.", delay=250)
    first_story.get_by_role("button", name="Save edit").click()
    expect(page.get_by_text("Story edited for this issue")).to_be_visible()
    expect(page.locator(".issue-story").first.get_by_label("Story", exact=True)).to_have_value("Phil called. Twice.")
    expect(intro).to_have_value("Thank you, night shift.")
    expect(page.locator(".issue-story").first.get_by_role("button", name="Save edit")).to_be_focused()
    page.locator(".issue-story").first.get_by_role("button", name="Move down").click()
    expect(page.locator(".issue-story").first.get_by_label("Story", exact=True)).to_have_value("Nora stayed late.")
    expect(intro).to_have_value("Thank you, night shift.")

    asked = []

    def answer(dialog, yes):
        asked.append((dialog.type, dialog.message))
        dialog.accept() if yes else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, yes=False))
    page.get_by_role("link", name="All issues").click()
    page.wait_for_timeout(1000)  # a person reads the question and stays
    assert [kind for kind, _message in asked] == ["beforeunload"]
    expect(intro).to_have_value("Thank you, night shift.")

    # Words typed in a story stay through another story's move; publishing with them unsaved says so.
    second = page.locator(".issue-story").nth(1).get_by_label("Story", exact=True)
    second.click()
    second.press("Control+End")
    second.press_sequentially(" Again.", delay=250)
    page.locator(".issue-story").first.get_by_role("button", name="Leave out").click()
    expect(page.locator(".issue-story").first.get_by_role("button", name="Put back")).to_be_focused()
    expect(page.locator(".issue-story").nth(1).get_by_label("Story", exact=True)).to_have_value(
        "Phil called. Twice. Again.")
    page.once("dialog", lambda dialog: answer(dialog, yes=False))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_timeout(1000)
    assert asked[-1][0] == "confirm" and "not saved" in asked[-1][1]
    page.locator(".issue-story").first.get_by_role("button", name="Put back").click()
    expect(page.locator(".issue-story").first.get_by_role("button", name="Leave out")).to_be_focused()
    page.locator(".issue-story").nth(1).get_by_role("button", name="Save edit").click()
    expect(page.get_by_text("Story edited for this issue")).to_be_visible()

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.once("dialog", lambda dialog: answer(dialog, yes=False))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_timeout(1000)
    assert asked[-1][0] == "confirm" and "frozen" in asked[-1][1]
    fresh()
    assert db.session.get(type(issue), issue.id).published_at is None
    page.once("dialog", lambda dialog: answer(dialog, yes=True))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. The issue is frozen")).to_be_visible()
    fresh()
    published = db.session.get(type(issue), issue.id)
    assert published.published_at is not None and published.intro == "Thank you, night shift."
    assert [s.story for s in published.stories] == ["Nora stayed late.", "Phil called. Twice. Again."]


def test_a_story_edit_the_screen_flags_is_refused_keeping_the_words_until_the_editor_checks_it(
        tablet, roster, make_account):
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                       nominees=(Entry("Phil Pharma", "pharmacists", "icu"),),
                       dimensions=frozenset({"timely"}), story="Phil called."), icu, uuid.uuid4().hex)
    issue = newsletter.draft(icu, date.today().replace(day=1))
    make_account("ed@example.org", roles=[("icu", "editor")])
    page = tablet
    sign_in_on(page, "ed@example.org")
    page.goto(f"/newsletter/{issue.id}")

    typed = "Phil sat with Mr. Alvarez in room 14, MRN 00482913."
    page.get_by_label("Introduction").fill("Thank you all.")
    page.get_by_label("Story", exact=True).fill(typed)
    page.get_by_role("button", name="Save edit").click()
    # (the first language check of a process loads the identifier's models: seconds)
    expect(page.get_by_text("Not saved: the screen marked possible patient information")).to_be_visible(
        timeout=30_000)
    expect(page.locator("mark.finding", has_text="MRN 00482913")).to_be_visible()
    expect(page.get_by_label("Story", exact=True)).to_have_value(typed)  # nothing typed is lost
    expect(page.get_by_label("Introduction")).to_have_value("Thank you all.")
    fresh()
    assert [s.story for s in db.session.scalars(select(IssueStory))] == ["Phil called."]

    page.get_by_label("I checked the marked words: they are not about a patient").check()
    page.get_by_role("button", name="Save edit").click()
    expect(page.get_by_text("Story edited for this issue")).to_be_visible()
    fresh()
    assert [s.story for s in db.session.scalars(select(IssueStory))] == [typed]


PHONE = {"width": 390, "height": 844}


def test_an_editor_types_last_month_as_people_write_it_and_reads_that_months_board_on_a_phone(
        browser, live_server, roster, make_account, tmp_path):
    """The month is read as typed ("11 2026"), and said back; the issue's board is the game that ran that month, as
    it stood at the month's end, in a picture the phone shows, with the same board in words; the PDF has it too."""
    from .test_accessibility import violations
    from .test_newsletter import LAST_MONTH, two_months_of_games

    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    two_months_of_games(icu)
    make_account("ed@example.org", roles=[("icu", "editor")])
    context = browser.new_context(viewport=PHONE, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/sign-in")
        page.get_by_label("Email").press_sequentially("ed@example.org", delay=250)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Newsletter", exact=True).click()

        month = page.get_by_label("Month")
        month.fill("")
        month.press_sequentially("the eleventh", delay=250)
        page.get_by_role("button", name="Compile the draft").click()
        expect(page.get_by_text("This is not a month we can read.")).to_be_visible()
        expect(page.get_by_label("Month")).to_have_value("the eleventh")  # what was typed stays

        month = page.get_by_label("Month")
        month.fill("")
        month.press_sequentially(f"{LAST_MONTH.month} {LAST_MONTH.year}", delay=250)
        page.get_by_role("button", name="Compile the draft").click()
        said = f"Showing {LAST_MONTH:%B %Y}."
        expect(page.get_by_text(said)).to_be_visible()
        issue_url = page.url

        with page.expect_popup() as popup:
            page.get_by_role("link", name="Preview").click()
        preview = popup.value
        preview.wait_for_load_state()
        expect(preview.get_by_role("heading", name="The board · Autumn bingo")).to_be_visible()
        expect(preview.get_by_text("Spring bingo")).to_have_count(0)
        picture = preview.get_by_role("img", name=re.compile(r"The board of Autumn bingo .*Pharmacists 3 of 7"))
        expect(picture).to_be_visible()
        assert picture.evaluate("img => img.complete && img.naturalWidth") > 0  # shown, not a broken picture
        assert preview.locator("svg").count() == 0
        expect(preview.get_by_role("row", name="Pharmacists 3 of 7 Shared Goals, Timely, Accurate")).to_be_visible()
        assert preview.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert violations(preview) == []

        pdf = tmp_path / "issue.pdf"
        pdf.write_bytes(page.request.get(f"{issue_url}/issue.pdf").body())
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "The board · Autumn bingo" in text and "Pharmacists 3 of 7 Shared Goals, Timely, Accurate" in text
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert len(images.strip().splitlines()) == 3  # the board's picture (after the two heading lines)
    finally:
        context.close()
