"""One anonymous card never decides a game: a card that completes a board makes a win that a coordinator confirms
(the unit's `confirm_wins`, on by default) before any wall, board, newsletter or API announces it."""

import re

import pytest
from sqlalchemy import select

from rcbingo.api import service as api
from rcbingo.audit.models import AuditEvent
from rcbingo.board import service as board
from rcbingo.board.models import GameState, Win
from rcbingo.cards import service as cards
from rcbingo.extensions import db
from rcbingo.org.models import Unit
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS

from .conftest import fresh
from .test_board import PHARMACIST, THERAPIST, completed_at_once, publish, snapshot, workgroup_id

COORDINATOR = "coord@example.org"


@pytest.fixture
def game(app, roster):
    """The ICU publishes at once and keeps its default: wins wait for a coordinator's confirmation."""
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    return board.create_game(unit_by_key("icu"), title="Round 1", prize="Pizza",
                             workgroup_ids=[workgroup_id(k) for k in ("nurses", "pharmacists", "rehab")],
                             start_now=True)


@pytest.fixture
def coordinator(client, auth, make_account):
    make_account(COORDINATOR, roles=[("icu", "coordinator")])
    auth.sign_in()
    return auth


def act(client, auth, game, action, win, reason=None):
    url = f"/u/icu/games/{game.id}"
    data = {"csrf_token": auth.csrf(url), "action": action, "win": win.id} | ({"reason": reason} if reason else {})
    return client.post(url, data=data, follow_redirects=True)


def win_of(key):
    fresh()
    return db.session.scalar(select(Win).where(Win.workgroup_id == workgroup_id(key)))


def audited(action):
    fresh()
    return db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)).all()


def test_every_unit_confirms_wins_unless_its_coordinator_says_otherwise(app, roster):
    fresh()
    assert all(db.session.scalars(select(Unit.confirm_wins)))


def test_one_kiosk_card_ticking_all_seven_wins_nothing_until_a_coordinator_confirms(app, game, client, coordinator):
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    completing = publish([PHARMACIST], DIMENSION_KEYS, story="Phil did everything at once.")
    view = snapshot()
    assert view.winners == [] and [w.workgroup.key for w in view.checking] == ["pharmacists"]
    assert view.game.state is GameState.RUNNING and view.moments == []
    wall = client.get(f"/wall/{token}").get_data(as_text=True)
    assert "Bingo! Being checked" in wall and "winner-banner" not in wall and "moment-source" not in wall
    data = api.board_json(view)
    assert data["winners"] == [] and [w["workgroup"] for w in data["being_checked"]] == ["pharmacists"]

    # The coordinator's desk says so, and links to where it is confirmed.
    desk = client.get("/manage").get_data(as_text=True)
    assert "A bingo to confirm: Pharmacists" in desk and f"/u/icu/games/{game.id}#finishers" in desk
    assert "A bingo to confirm" in client.get("/u/icu/games").get_data(as_text=True)
    page = client.get(f"/u/icu/games/{game.id}").get_data(as_text=True)
    assert "being checked" in page and "Confirm the bingo" in page

    act(client, coordinator, game, "confirm", win_of("pharmacists"))
    view = snapshot()
    [winner] = view.winners
    assert (winner.workgroup.key, winner.place, winner.card_id) == ("pharmacists", 1, completing.id)
    assert view.checking == [] and view.game.state is GameState.WON and len(view.moments) == 1
    wall = client.get(f"/wall/{token}").get_data(as_text=True)
    assert "winner-banner" in wall and "moment-source" in wall and "Being checked" not in wall
    assert [w["workgroup"] for w in api.board_json(view)["winners"]] == ["pharmacists"]
    assert audited("win_confirmed") == [f"workgroup {workgroup_id('pharmacists')}, place 1, card {completing.id}"]
    assert "A bingo to confirm" not in client.get("/manage").get_data(as_text=True)


def test_a_later_finisher_keeps_its_place_while_the_first_is_being_checked(app, game, client, coordinator):
    publish([PHARMACIST], DIMENSION_KEYS)
    publish([THERAPIST], DIMENSION_KEYS)
    act(client, coordinator, game, "confirm", win_of("rehab"))
    view = snapshot()
    assert [(w.workgroup.key, w.place) for w in view.wins] == [("pharmacists", 1), ("rehab", 2)]
    assert view.winners == [] and [w.workgroup.key for w in view.checking] == ["pharmacists"]
    act(client, coordinator, game, "confirm", win_of("pharmacists"))
    view = snapshot()
    assert [w.workgroup.key for w in view.winners] == ["pharmacists"]
    assert [(w.workgroup.key, w.place) for w in view.runners_up] == [("rehab", 2)]


def test_a_declined_first_finisher_leaves_the_next_one_first(app, game, client, coordinator):
    publish([PHARMACIST], DIMENSION_KEYS)
    publish([THERAPIST], DIMENSION_KEYS)
    refused = act(client, coordinator, game, "revoke", win_of("pharmacists"))
    assert "Say why the win is declined." in refused.get_data(as_text=True)
    act(client, coordinator, game, "revoke", win_of("pharmacists"), reason="Written by a visitor, not staff")
    act(client, coordinator, game, "confirm", win_of("rehab"))
    view = snapshot()
    assert [(w.workgroup.key, w.place) for w in view.winners] == [("rehab", 2)] and view.checking == []
    # A declined win cannot be confirmed afterwards.
    page = act(client, coordinator, game, "confirm", win_of("pharmacists")).get_data(as_text=True)
    assert "nothing to confirm" in page and snapshot().winners[0].workgroup.key == "rehab"


def test_withdrawing_the_card_behind_a_win_being_checked_drops_it(app, game, make_account):
    publish([PHARMACIST], DIMENSION_KEYS[:6])
    forged = publish([PHARMACIST], [DIMENSION_KEYS[6]])
    publish([THERAPIST], DIMENSION_KEYS)
    cards.withdraw(forged, "Not a genuine card", actor=make_account())
    view = snapshot()
    assert [(w.workgroup.key, w.place) for w in view.wins] == [("rehab", 2)]
    assert view.progress[workgroup_id("pharmacists")] == 6
    assert audited("win_dropped") == [f"workgroup {workgroup_id('pharmacists')}: squares no longer all covered"]
    # A genuine card completes the board again later: it is declared at the place its own counting gives it.
    publish([PHARMACIST], [DIMENSION_KEYS[6]])
    assert [(w.workgroup.key, w.place) for w in snapshot().checking] == [("rehab", 2), ("pharmacists", 3)]


def test_a_confirmed_win_survives_its_card_being_withdrawn(app, game, client, coordinator, make_account):
    publish([PHARMACIST], DIMENSION_KEYS[:6])
    completing = publish([PHARMACIST], [DIMENSION_KEYS[6]])
    act(client, coordinator, game, "confirm", win_of("pharmacists"))
    cards.withdraw(completing, "Written about the wrong shift", actor=make_account("other@example.org"))
    assert [w.workgroup.key for w in snapshot().winners] == ["pharmacists"]


def test_confirming_one_card_confirms_the_joint_win_it_made(app, game, client, coordinator):
    publish([PHARMACIST, THERAPIST], DIMENSION_KEYS)
    act(client, coordinator, game, "confirm", win_of("rehab"))
    assert sorted(w.workgroup.key for w in snapshot().winners) == ["pharmacists", "rehab"]


def test_a_unit_that_turns_confirmation_off_declares_wins_at_once(app, game, client, coordinator):
    page = client.get("/u/icu/settings").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="confirm_wins"[^>]*>', page)
    assert " checked" in box
    client.post("/u/icu/settings", data={"csrf_token": coordinator.csrf("/u/icu/settings"),
                                         "review_first": "publish"})
    fresh()
    assert unit_by_key("icu").confirm_wins is False
    publish([PHARMACIST], DIMENSION_KEYS)
    assert [w.workgroup.key for w in snapshot().winners] == ["pharmacists"]


def test_newsletter_and_organization_view_name_only_confirmed_winners(app, game, client, coordinator):
    from rcbingo import zones
    from rcbingo.database import utcnow
    from rcbingo.newsletter import service as newsletter
    from rcbingo.spread import service as spread

    publish([PHARMACIST], DIMENSION_KEYS)
    icu = unit_by_key("icu")
    issue = newsletter.draft(icu, zones.today(utcnow(), icu.timezone).replace(day=1))
    fresh()
    assert newsletter.context(issue)["wins"] == []
    assert {r.unit.key: r for r in spread.activity()}["icu"].winners == []
    act(client, coordinator, game, "confirm", win_of("pharmacists"))
    fresh()
    assert [(rank, w.workgroup.key) for rank, w in newsletter.context(issue)["wins"]] == [(1, "pharmacists")]
    assert {r.unit.key: r for r in spread.activity()}["icu"].winners == ["Pharmacists"]


@pytest.mark.parametrize("threads", [4])
def test_cards_completing_boards_at_the_same_instant_make_one_first_place_to_check(app, game, threads):
    """As the cards published at once of test_board.py, with wins waiting for confirmation: places by counting."""
    completed_at_once(app, game, threads)
    view = snapshot()
    assert view.winners == [] and sorted(w.workgroup.key for w in view.checking) == ["chaplains", "pharmacists",
                                                                                     "rehab"]
    firsts = [w for w in view.wins if w.place == 1]
    assert len({w.card_id for w in firsts}) == 1  # one card holds the first place
    assert len({w.place for w in view.wins}) == len({w.card_id for w in view.wins})


def test_a_bingo_to_confirm_comes_first_on_a_coordinators_desk_and_not_on_an_editors():
    from datetime import UTC, datetime

    from rcbingo.desk import rules as desk

    facts = desk.UnitFacts(held=1, oldest_held=datetime(2026, 1, 1, tzinfo=UTC), to_confirm=[(7, 2)], game=7,
                           last_card=datetime(2026, 1, 1, tzinfo=UTC))
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert [line.kind for line in desk.lines(facts, now, desk.kinds_for(True, False))][:2] == ["confirm_win", "held"]
    assert desk.lines(facts, now, desk.kinds_for(True, False))[0] == desk.Line("confirm_win", game=7, workgroup=2)
    assert "confirm_win" not in [line.kind for line in desk.lines(facts, now, desk.kinds_for(False, True))]


# --- one announcement, read by every surface --------------------------------------------------------------------------

FINISHERS = {"nurse-managers": "Nurse managers", "chaplains": "Chaplains", "dietitians": "Dietitians"}


@pytest.fixture
def four_finishers(app, roster, make_account):
    """A game of four workgroups; the newsletter's month is this one."""
    from rcbingo.org.service import load_roster

    from .conftest import ROSTER

    added = [{"key": k, "name": n} for k, n in FINISHERS.items()]
    load_roster({**ROSTER, "workgroups": [*ROSTER["workgroups"], *added],
                 "staff": [*ROSTER["staff"], *({"name": f"{n} One", "workgroup": k, "unit": "icu"}
                                               for k, n in FINISHERS.items())]})
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    make_account("admin@example.org", is_admin=True)
    return board.create_game(unit_by_key("icu"), title="Round 1", prize="Pizza", start_now=True,
                             workgroup_ids=[workgroup_id(k) for k in ("pharmacists", *FINISHERS)])


def finisher(key):
    from rcbingo.cards.rules import Entry

    return Entry(f"{FINISHERS[key]} One", key, "icu")


def every_surface(client, auth, game, token):
    """What each surface says: the board, the API, the board page, the wall, the games pages, the newsletter's issue
    (as `flask newsletter-draft` renders it) and the organization view."""
    from rcbingo import zones
    from rcbingo.database import utcnow
    from rcbingo.newsletter import service as newsletter

    view = snapshot()
    data = api.board_json(view)
    icu = unit_by_key("icu")
    issue = newsletter.draft(icu, zones.today(utcnow(), icu.timezone).replace(day=1))
    fresh()
    letter = newsletter.render(db.session.get(type(issue), issue.id))
    auth.sign_in("admin@example.org")
    organization = client.get("/admin/organization").get_data(as_text=True)
    auth.sign_in()
    return {"board": ([w.workgroup.name for w in view.winners], [w.workgroup.name for w in view.runners_up],
                      view.game.state.value),
            "api": ([(w["workgroup"], w["rank"]) for w in data["winners"]], data["game"]["state"]),
            "board page": client.get("/u/icu/board").get_data(as_text=True),
            "wall": client.get(f"/wall/{token}").get_data(as_text=True),
            "games": client.get("/u/icu/games").get_data(as_text=True),
            "game": client.get(f"/u/icu/games/{game.id}").get_data(as_text=True),
            "newsletter": re.search(r'<div class="winners".*?</div>', letter, re.S),
            "organization": organization}


def test_every_surface_announces_the_same_winners_in_the_same_ranks(app, four_finishers, client, coordinator):
    """Place 1's card is withdrawn, place 2 confirmed, place 3 being checked, place 4 confirmed: every surface names
    place 2 as the winner (first, not "place 2") and withholds place 4 while place 3 is checked."""
    game = four_finishers
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    publish([PHARMACIST], DIMENSION_KEYS[:6])
    forged = publish([PHARMACIST], [DIMENSION_KEYS[6]])
    publish([finisher("nurse-managers")], DIMENSION_KEYS)
    act(client, coordinator, game, "confirm", win_of("nurse-managers"))

    # A later place confirmed while the first is checked: nobody has won yet, anywhere.
    said = every_surface(client, coordinator, game, token)
    assert said["board"] == ([], [], "running") and said["api"] == ([], "running")
    assert "won, still running" not in said["games"] + said["game"] + said["board page"]
    assert said["newsletter"] is None
    assert "Nurse managers" not in said["organization"]

    publish([finisher("chaplains")], DIMENSION_KEYS)
    publish([finisher("dietitians")], DIMENSION_KEYS)
    act(client, coordinator, game, "confirm", win_of("dietitians"))
    cards.withdraw(forged, "Not a genuine card", actor=coordinator_account())

    said = every_surface(client, coordinator, game, token)
    assert said["board"] == (["Nurse managers"], [], "won") and said["api"] == ([("nurse-managers", 1)], "won")
    for page in ("board page", "wall"):
        assert "winner-banner" in said[page] and "Bingo! Being checked" in said[page], page
        assert "Place 2" not in said[page] and "Place 4" not in said[page], page
    assert "won, still running" in said["games"] and "won, still running" in said["game"]
    assert "Nurse managers" in said["games"]
    assert "Nurse managers" in said["newsletter"].group() and "Dietitians" not in said["newsletter"].group()
    assert "place" not in said["newsletter"].group()
    assert re.search(r"<td data-label=\"Winners\">\s*Nurse managers\s*</td>", said["organization"])

    # Chaplains confirmed: the places announced are ranked 1, 2, 3 over what is announced, with no gap.
    act(client, coordinator, game, "confirm", win_of("chaplains"))
    said = every_surface(client, coordinator, game, token)
    assert said["api"] == ([("nurse-managers", 1), ("chaplains", 2), ("dietitians", 3)], "won")
    assert "Place 2: <bdi>Chaplains</bdi> · Place 3: <bdi>Dietitians</bdi>" in said["wall"]
    assert "Dietitians (place 3)" in said["newsletter"].group() and "Chaplains (place 2)" in said["newsletter"].group()


def coordinator_account():
    from rcbingo.org.models import Account

    fresh()
    return db.session.scalar(select(Account).where(Account.email == COORDINATOR))


def test_the_nurse_whose_card_completed_a_board_hears_that_a_coordinator_will_confirm_it(app, game, client):
    from .conftest import filled_card

    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    publish([PHARMACIST], [d for d in DIMENSION_KEYS if d not in ("timely", "accurate")])
    thanks = client.post("/u/icu/card", data=filled_card(client), headers={"HX-Request": "true"})
    assert "Your card completed the board of Pharmacists! A coordinator checks the cards and will confirm the " \
           "bingo soon." in thanks.get_data(as_text=True)
    # The next card completes nothing: its writer reads the ordinary thank-you.
    assert "completed the board" not in client.post("/u/icu/card", data=filled_card(client),
                                                    headers={"HX-Request": "true"}).get_data(as_text=True)
    wall = client.get(f"/wall/{token}").get_data(as_text=True)
    assert "Bingo! Being checked" in wall and "will confirm the bingo soon" in wall


def test_approving_the_card_that_completes_a_board_says_so_to_the_coordinator(app, game, client, coordinator):
    """A reviewed unit: the bingo happens at the approval, so the coordinator approving hears of it there."""
    publish([PHARMACIST], DIMENSION_KEYS[:6])
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    last = publish([PHARMACIST], [DIMENSION_KEYS[6]])
    url = f"/u/icu/review/{last.id}"
    page = client.post(url, data={"csrf_token": coordinator.csrf(url), "action": "approve", "story": last.story,
                                  "practice": last.practice}, follow_redirects=True).get_data(as_text=True)
    assert "Card approved: it counts now." in page
    assert "It completes the board for Pharmacists: confirm the bingo on the game page." in page
