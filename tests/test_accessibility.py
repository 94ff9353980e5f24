"""axe-core on every page people read, on a tablet and on a desktop screen: no violation of any impact."""

import uuid
from datetime import date

import pytest
from playwright.sync_api import expect

from rcbingo.board import service as board
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.newsletter import service as newsletter
from rcbingo.org.service import active_workgroups, load_roster, save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS
from rcbingo.survey import service as survey

from .conftest import ROSTER, sign_in_on

# Enough workgroups for the recognition map and the board to be wider than a screen, as in a real hospital.
MORE_WORKGROUPS = ["Respiratory therapists", "Physicians", "Chaplains", "Social workers", "Dietitians",
                   "Environmental services", "Patient care technicians", "Case managers", "Unit clerks"]

SIZES = [{"width": 768, "height": 1024}, {"width": 1920, "height": 1080}]


def violations(page) -> list[str]:
    """Every violation axe-core finds, whatever its impact, with where it is."""
    from axe_playwright_python.sync_playwright import Axe

    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in Axe().run(page).response["violations"]]


@pytest.fixture
def seeded(app, roster, make_account):
    """One of each thing a page shows: a running game with cards and a bingo being checked, a held card, a wall, a
    survey wave, and a newsletter draft with a story left out."""
    load_roster({**ROSTER, "workgroups": ROSTER["workgroups"] + [
        {"key": f"extra{n}", "name": name} for n, name in enumerate(MORE_WORKGROUPS)]})
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    ids = {w.key: w.id for w in active_workgroups()}
    game = board.create_game(icu, title="Round 1", prize="Pizza", start_now=True, workgroup_ids=list(ids.values()))
    nora, phil = Entry("Nora Nurse", "nurses", "icu"), Entry("Phil Pharma", "pharmacists", "icu")
    cards.submit(Draft(nominator=nora, nominees=(phil,), dimensions=frozenset(DIMENSION_KEYS[:5]),
                       story="Phil called within minutes with the corrected rate.", practice="A quick call"),
                 icu, uuid.uuid4().hex)
    cards.submit(Draft(nominator=phil, nominees=(nora,), dimensions=frozenset({"shared_goals"}),
                       story="Nora kept the whole team on the same plan."), icu, uuid.uuid4().hex)
    held, _stored = cards.submit(Draft(nominator=nora, nominees=(Entry("Rita Rehab", "rehab", "ward"),),
                                       dimensions=frozenset({"mutual_respect"}),
                                       story="Rita sat with Mr. Alvarez in room 14 until his daughter arrived."),
                                 icu, uuid.uuid4().hex)
    # A bingo being checked (the wall's calm banner, the game's Confirm and Decline).
    cards.submit(Draft(nominator=phil, nominees=(Entry("Rita Rehab", "rehab", "ward"),),
                       dimensions=frozenset(DIMENSION_KEYS), story="Rita planned the whole discharge with us."),
                 icu, uuid.uuid4().hex)
    _display, wall_token = board.create_display(icu, "Break room")
    wave, survey_token = survey.open_wave(icu, name="Baseline", kind="staff", open_link=True,
                                          invited={ids["nurses"]: 8, ids["pharmacists"]: 4}, actor=None)
    closed, _token = survey.open_wave(icu, name="Last year", kind="staff", invited={ids["nurses"]: 1,
                                                                                   ids["pharmacists"]: 4}, actor=None)
    for score in (3, 4, 4, 5, 5):  # more nurses than were invited: a suspect wave
        survey.answer(closed, "nurses", {"pharmacists": dict.fromkeys(DIMENSION_KEYS, score)})
    survey.close_wave(closed, actor=None)
    issue = newsletter.draft(icu, date.today().replace(day=1))
    newsletter.set_excluded(issue, issue.stories[-1].id, True)
    make_account("admin@example.org", is_admin=True, name="Ada Admin")
    return {
        "card (kiosk)": "/u/icu/card",
        "board": "/u/icu/board",
        "wall": f"/wall/{wall_token}",
        "survey answer page": f"/s/{survey_token}",
        "survey waves": "/u/icu/surveys",
        "survey wave (open)": f"/surveys/{wave.id}",
        "survey wave (closed, suspect)": f"/surveys/{closed.id}",
        "coordinator home": "/manage",
        "review queue": "/u/icu/review",
        "review card": f"/u/icu/review/{held.id}",
        "roster": "/u/icu/roster",
        "games": "/u/icu/games",
        "game": f"/u/icu/games/{game.id}",
        "displays": "/u/icu/displays",
        "stories search": "/stories",
        "newsletter archive": "/u/icu/newsletter",
        "newsletter edit": f"/newsletter/{issue.id}",
        "newsletter preview (its board as a picture)": f"/newsletter/{issue.id}/issue.html",
        "recognition map": "/u/icu/recognition",
    }


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_no_page_has_any_accessibility_violation(browser, live_server, seeded, size):
    context = browser.new_context(viewport=size, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_on(page, "admin@example.org")
        found = {}

        def check(name):
            expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
            # As a person reads it: after what moves on it (a wall's story fading out) has come to rest.
            page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
            if problems := violations(page):
                found[name] = problems

        for name, url in seeded.items():
            response = page.goto(url)
            assert response.ok, f"{name} {url}: {response.status}"
            check(name)
            if url.endswith("/card"):
                # The card's other two faces: its problems listed, and the thank-you.
                page.get_by_role("button", name="Send recognition").click()
                expect(page.locator(".problem-summary")).to_be_visible()
                check("card with problems")
                fill_card(page)
                expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
                check("thank-you")
    finally:
        context.close()
    assert found == {}, "\n".join(f"{name}:\n  " + "\n  ".join(problems) for name, problems in found.items())


def fill_card(page) -> None:
    page.get_by_label("Your name").fill("Ned Night")
    page.get_by_label("Your workgroup").select_option(label="Nurses")
    page.get_by_label("Name", exact=True).fill("Phil Pharma")
    page.get_by_label("Workgroup", exact=True).select_option(label="Pharmacists")
    page.get_by_label("Accurate").check()
    page.get_by_label("Your story").fill("Phil double-checked every dose on a hard night.")
    page.get_by_label("Yes, share it").check()
    page.get_by_role("button", name="Send recognition").click()


PHONE = {"width": 390, "height": 844}
# A board's workgroup names running under its squares, and count badges sitting on their stars.
BOARD_OVERLAPS = """() => [...document.querySelectorAll('.grid tbody tr')].flatMap(row => {
    const name = row.querySelector('.wg');
    const clash = [...row.querySelectorAll('.times')].filter(t => {
        const star = t.parentElement.querySelector('.stamp').getBoundingClientRect(), n = t.getBoundingClientRect();
        return star.width && n.left < star.right && star.left < n.right && n.top < star.bottom && star.top < n.bottom;
    });
    return (name.scrollWidth > name.clientWidth + 1 ? [name.textContent] : []).concat(
        clash.map(() => 'count on star: ' + name.textContent)); })"""


@pytest.mark.parametrize("size", [PHONE, *SIZES[:1], {"width": 1366, "height": 768}],
                         ids=lambda s: f"{s['width']}x{s['height']}")
def test_a_coordinator_confirms_a_bingo_on_a_phone_without_panning(browser, live_server, seeded, size):
    """The game page fits the screen: each finisher's reason, Confirm and Decline are under it, the board's names
    and squares side by side, each square's count beside its star, nothing wider than the page."""
    cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"), nominees=(Entry("Phil Pharma", "pharmacists",
                                                                                        "icu"),),
                       dimensions=frozenset(DIMENSION_KEYS[:2]), story="A second card on two squares."),
                 unit_by_key("icu"), uuid.uuid4().hex)
    context = browser.new_context(viewport=size, base_url=live_server)
    page = context.new_page()
    try:
        sign_in_on(page, "admin@example.org")
        page.goto(seeded["game"])
        width = size["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for control in (page.get_by_role("button", name="Confirm the bingo"), page.get_by_label("Reason"),
                        page.get_by_role("button", name="Decline")):
            box = control.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, control
        assert page.evaluate(BOARD_OVERLAPS) == []
        assert violations(page) == []
        page.goto(seeded["board"])  # the same grid on the board page
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(BOARD_OVERLAPS) == []
    finally:
        context.close()
