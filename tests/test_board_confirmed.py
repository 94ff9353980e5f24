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
    assert [w.workgroup.key for w in newsletter.context(issue)["wins"]] == ["pharmacists"]
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

    facts = desk.UnitFacts(held=1, oldest_held=datetime(2026, 1, 1, tzinfo=UTC), to_confirm=[(7, 2)],
                           last_card=datetime(2026, 1, 1, tzinfo=UTC))
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert [line.kind for line in desk.lines(facts, now, desk.kinds_for(True, False))][:2] == ["confirm_win", "held"]
    assert desk.lines(facts, now, desk.kinds_for(True, False))[0] == desk.Line("confirm_win", game=7, workgroup=2)
    assert "confirm_win" not in [line.kind for line in desk.lines(facts, now, desk.kinds_for(False, True))]
