"""The wall read from three metres: type sized for the room and the screen, what changed marked, past winners kept."""

import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from rcbingo.board import service as board
from rcbingo.board.models import Game, GameState, Win
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.database import utcnow, write_transaction
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS

from .conftest import fresh
from .test_board import workgroup_id

# What a wall shows, measured in one go (the stream may swap in the same board at any moment): computed sizes in px.
MEASURE = """() => {
    const size = selector => {
        const found = document.querySelector('#wall ' + selector);
        return found ? parseFloat(getComputedStyle(found).fontSize) : 0;
    };
    const panel = document.querySelector('.wall-grid').getBoundingClientRect();
    const rows = [...document.querySelectorAll('.wall-grid tbody tr')].map(tr => tr.getBoundingClientRect().bottom);
    const window = document.querySelector('.stories-window').getBoundingClientRect();
    const shown = [...document.querySelectorAll('.stories-window .story-card:not(.story-away)')];
    const first = '.story-card:not(.story-away) ';
    return {story: size(first + '.story-text'), who: size(first + '.story-who'), by: size(first + '.story-by'),
            heading: size('.wall-stories h2'),
            workgroup: size('.grid .wg'), dimension: size('.grid thead th.dim'), progress: size('.grid .progress-text'),
            past: size('.past-winners li'), shown: shown.length,
            cut: shown.some(li => li.getBoundingClientRect().bottom > window.bottom + 1),
            rowsFit: Math.max(...rows) <= panel.bottom + 1,
            scrolls: document.documentElement.scrollWidth > innerWidth
                || document.documentElement.scrollHeight > innerHeight};
}"""


def win_a_game(unit, title: str, winner: str, coordinator, players=("nurses", "pharmacists", "rehab")):
    """A running game that `winner` completes with one card, its win confirmed by a coordinator."""
    game = board.create_game(unit, title=title, prize="Pizza", start_now=True,
                             workgroup_ids=[workgroup_id(k) for k in players])
    cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"),
                       nominees=(Entry("Phil Pharma", winner, "icu"),), dimensions=frozenset(DIMENSION_KEYS),
                       story="Phil went through every infusion with the night team."), unit, uuid.uuid4().hex)
    fresh()
    board.confirm_win(db.session.scalar(select(Win).where(Win.game_id == game.id)), actor=coordinator)
    return game


def open_wall(browser, url: str, width: int, height: int, **context):
    """A wall that has seen its wins' moments already (opened again later): the board itself shows."""
    page = browser.new_context(viewport={"width": width, "height": height}, **context).new_page()
    page.goto(url)
    page.evaluate("sessionStorage.setItem('rcbingo-wall-celebrated', JSON.stringify("
                  "[...document.querySelectorAll('template.moment-source')].map(t => t.dataset.moment)))")
    page.reload()
    expect(page.locator("#wall .story-card").first).to_be_visible()
    return page


def test_the_wall_is_read_from_three_metres_at_1080p_and_its_type_follows_the_screen(browser, live_server, app,
                                                                                      make_account):
    """The demo ICU (ten workgroups, long stories) with a win and a past winner. At 1080p a story is at least 32 px
    (about 14 mm capitals on a 55-inch screen), its names and byline and the grid's labels at least 20 px; a 4K screen
    shows the same wall twice as large; a small screen still fits whole. (Before: 17–20 px at 1080p.)"""
    from rcbingo.demo import seed

    seed()
    icu = unit_by_key("icu")
    with write_transaction() as session:  # last season's game, won
        autumn = Game(unit_id=icu.id, title="Autumn bingo", state=GameState.CLOSED,
                      starts_at=utcnow() - timedelta(days=90), ends_at=utcnow() - timedelta(days=60))
        session.add(autumn)
        session.flush()
        session.add(Win(game_id=autumn.id, workgroup_id=workgroup_id("nurses"), place=1,
                        declared_at=utcnow() - timedelta(days=61), confirmed_at=utcnow() - timedelta(days=61)))
    winter = board.current_game(icu)  # the demo's own game, ten workgroups, won by the pharmacists
    cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"), nominees=(Entry("Phil Pharma", "pharmacists",
                                                                                        "icu"),),
                       dimensions=frozenset(DIMENSION_KEYS), story="Phil went through every infusion with the night "
                       "team and stayed until the new rates were running and written down."), icu, uuid.uuid4().hex)
    fresh()
    board.confirm_win(db.session.scalar(select(Win).where(Win.game_id == winter.id)),
                      actor=make_account(roles=[("icu", "coordinator")]))
    _display, token = board.create_display(icu, "Break room")
    url = f"{live_server}/wall/{token}"

    wall = open_wall(browser, url, 1920, 1080)
    full_hd = wall.evaluate(MEASURE)
    assert full_hd["story"] >= 32 and full_hd["who"] >= 32 and full_hd["heading"] >= 32, full_hd
    assert min(full_hd["by"], full_hd["workgroup"], full_hd["dimension"], full_hd["progress"], full_hd["past"]) >= 20, \
        full_hd
    # Fewer stories rather than smaller ones: only whole stories, and at least the newest.
    assert full_hd["shown"] >= 1 and not full_hd["cut"] and full_hd["rowsFit"] and not full_hd["scrolls"], full_hd
    wall.close()

    for width, height in ((3840, 2160), (1280, 720), (1024, 768)):
        wall = open_wall(browser, url, width, height)
        measured = wall.evaluate(MEASURE)
        assert measured["story"] >= max(18, 32 * min(width / 1920, height / 1080) - 0.5), (width, measured)
        assert measured["shown"] >= 1 and not measured["cut"] and measured["rowsFit"] and not measured["scrolls"], \
            (width, measured)
        wall.close()


def test_a_new_card_pulses_its_square_and_its_story_stays_on_top_marked_new(browser, live_server, app, roster):
    """A nurse sends a card on the tablet while the wall turns its stories every second: on the wall the square it
    covers pulses, the row that moved up is lit, and the story is marked "New" and stays on top while it is new; then
    the mark goes and the column turns again. A still screen (prefers-reduced-motion) gets the marks without motion."""
    app.config.update(WALL_STORY_SECONDS=1, WALL_NEW_STORY_SECONDS=8)
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Live round", start_now=True,
                      workgroup_ids=[workgroup_id(k) for k in ("nurses", "pharmacists", "rehab")])
    for n in range(4):  # the rehab team leads; older stories fill the column
        cards.submit(Draft(nominator=Entry("Nora Nurse", "nurses", "icu"), nominees=(Entry("Rita Rehab", "rehab",
                                                                                            "icu"),),
                           dimensions=frozenset({DIMENSION_KEYS[n]}),
                           story=f"Older story {n}: Rita moved the session so the patient could rest first, and "
                                 "the whole team learnt how the day could fit together."), icu, uuid.uuid4().hex)
    _display, token = board.create_display(icu, "Break room")
    walls = {motion: open_wall(browser, f"{live_server}/wall/{token}", 1920, 1080, reduced_motion=motion)
             for motion in ("no-preference", "reduce")}
    for wall in walls.values():
        expect(wall.locator("tbody tr").first).to_contain_text("Rehabilitation")

    kiosk = browser.new_page(viewport={"width": 768, "height": 1024})
    kiosk.goto(f"{live_server}/u/icu/card")
    kiosk.get_by_label("Your name").press_sequentially("Nor", delay=250)
    kiosk.get_by_role("option", name=re.compile("Nora Nurse")).click()
    expect(kiosk.get_by_label("Your workgroup")).to_have_value("nurses")
    kiosk.get_by_label("Name", exact=True).press_sequentially("Phi", delay=250)
    kiosk.get_by_role("option", name=re.compile("Phil Pharma")).click()
    expect(kiosk.get_by_label("Workgroup", exact=True)).to_have_value("pharmacists")
    for dimension in ("Shared Goals", "Shared Knowledge"):
        kiosk.get_by_label(dimension).check()
    kiosk.get_by_label("Your story").press_sequentially("Phil fixed the pump at 3 a.m.", delay=250)
    kiosk.get_by_text("Yes, share it").click()
    kiosk.get_by_role("button", name="Send recognition").click()
    expect(kiosk.get_by_role("heading", name="Thank you!")).to_be_visible()

    pharmacists = workgroup_id("pharmacists")
    for motion, wall in walls.items():
        square = wall.locator(f"td[data-square='{pharmacists}-shared_goals']")
        expect(square).to_have_class(re.compile(r"\bjust-covered\b"), timeout=5_000)
        expect(wall.locator(f"tr[data-workgroup='{pharmacists}']")).to_have_class(re.compile(r"\brow-moved\b"))
        pulse = square.evaluate("td => [getComputedStyle(td).animationName, getComputedStyle(td).outlineStyle]")
        assert pulse == (["square-pulse", "none"] if motion == "no-preference" else ["none", "solid"]), (motion, pulse)
        newest = wall.locator("#wall .story-card:not(.story-away)").first
        expect(newest).to_contain_text("Phil fixed the pump at 3 a.m.")
        expect(newest.get_by_text("New", exact=True)).to_be_visible()

    # A person reads it: seconds later, several turns of the column, it is still on top and still marked...
    wall = walls["no-preference"]
    wall.wait_for_timeout(4_000)
    newest = wall.locator("#wall .story-card:not(.story-away)").first
    expect(newest).to_contain_text("Phil fixed the pump at 3 a.m.")
    expect(newest.get_by_text("New", exact=True)).to_be_visible()
    # ...and once it is no longer new, the mark goes and the column turns again.
    expect(wall.locator("#wall .story-new")).to_have_count(0, timeout=8_000)
    expect(wall.locator("#wall .story-card:not(.story-away)").first).not_to_contain_text("Phil fixed the pump",
                                                                                          timeout=5_000)
    for page in (*walls.values(), kiosk):
        page.close()


def test_past_winners_stay_on_the_wall_when_the_next_game_starts(browser, live_server, app, roster, make_account):
    """The autumn round's winner is on the wall's banner; the coordinator closes it and starts the winter round: the
    wall, without reloading, shows the winter board and keeps "Past winners: Autumn round, Pharmacists" with its date.
    A win still being checked by a coordinator is no past winner."""
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    coordinator = make_account(roles=[("icu", "coordinator")])
    checked = board.create_game(icu, title="Quick round", start_now=True,
                                workgroup_ids=[workgroup_id(k) for k in ("nurses", "rehab")])
    cards.submit(Draft(nominator=Entry("Phil Pharma", "pharmacists", "icu"), nominees=(Entry("Rita Rehab", "rehab",
                                                                                             "icu"),),
                       dimensions=frozenset(DIMENSION_KEYS), story="Rita got the patient walking again."), icu,
                 uuid.uuid4().hex)
    board.close_game(checked)  # its win was never confirmed
    autumn = win_a_game(icu, "Autumn round", "pharmacists", coordinator)
    _display, token = board.create_display(icu, "Break room")
    wall = open_wall(browser, f"{live_server}/wall/{token}", 1920, 1080)
    expect(wall.locator(".winner-banner")).to_contain_text("Pharmacists")
    expect(wall.locator(".wall-past")).to_have_count(0)  # the game on the wall has its own banner
    wall.evaluate("window.notReloaded = true")

    fresh()
    board.close_game(db.session.get(type(autumn), autumn.id))
    board.create_game(icu, title="Winter round", start_now=True,
                      workgroup_ids=[workgroup_id(k) for k in ("nurses", "pharmacists", "rehab")])

    expect(wall.locator(".wall-title")).to_have_text("Winter round", timeout=5_000)
    expect(wall.locator(".winner-banner")).to_have_count(0)
    past = wall.get_by_role("region", name="Past winners")
    expect(past).to_be_visible()
    expect(past.locator("li")).to_have_count(1)
    expect(past).to_contain_text("Autumn round")
    expect(past).to_contain_text("Pharmacists")
    expect(past.locator("time")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    assert float(past.evaluate("e => parseFloat(getComputedStyle(e.querySelector('li')).fontSize)")) >= 20
    assert wall.evaluate("window.notReloaded") is True
    wall.close()

