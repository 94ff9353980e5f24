"""A shared unit tablet day to day, in headless Chromium at a person's pace: enrolled once, then the card."""

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
