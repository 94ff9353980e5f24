"""Pages made once per change (rcbingo.pages, the board page per board version): every change shows on the next
visit, and nothing made for one person reaches another."""

import re
import time
import uuid

import pytest
from sqlalchemy import select, update

from rcbingo.board import live
from rcbingo.board import service as board
from rcbingo.board.models import BoardVersion
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.extensions import db
from rcbingo.org import service as org
from rcbingo.org.models import Workgroup

from .conftest import ROSTER, Auth

NURSE = Entry("Nora Nurse", "nurses", "icu")
PHARMACIST = Entry("Phil Pharma", "pharmacists", "icu")


def workgroup(key):
    return db.session.scalar(select(Workgroup).where(Workgroup.key == key))


def publish(story, dimensions=("timely",)):
    cards.submit(Draft(nominator=NURSE, nominees=(PHARMACIST,), dimensions=frozenset(dimensions), story=story),
                 org.unit_by_key("icu"), uuid.uuid4().hex)


@pytest.fixture
def game(app, roster):
    org.save_unit_settings(org.unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    return board.create_game(org.unit_by_key("icu"), title="Round 1", prize="Pizza", start_now=True,
                             workgroup_ids=[workgroup(k).id for k in ("nurses", "pharmacists", "rehab")])


def page(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_renamed_workgroup_shows_on_the_next_card_page(client, roster):
    assert "Pharmacists" in page(client, "/u/icu/card")
    org.rename_workgroup(workgroup("pharmacists"), "Pharmacy team", actor=None)
    html = page(client, "/u/icu/card")
    assert "Pharmacy team" in html and "Pharmacists" not in html
    assert "Pharmacy team" in page(client, "/u/icu/card", **{"HX-Request": "true"})


def test_an_added_or_retired_workgroup_shows_on_the_next_card_page(client, roster):
    page(client, "/u/icu/card")
    org.add_workgroup("Respiratory therapists", actor=None)
    assert "Respiratory therapists" in page(client, "/u/icu/card")
    org.set_workgroup_retired(workgroup("rehab"), True, actor=None)
    assert "Rehabilitation therapists" not in page(client, "/u/icu/card")


def test_renamed_units_and_program_show_on_the_next_home_page(client, roster):
    assert "Intensive Care" in page(client, "/") and "Ward Connections" in page(client, "/")
    org.load_roster(ROSTER | {"program_name": "Team Thanks",
                              "units": [{"key": "icu", "name": "Critical Care"}, *ROSTER["units"][1:]]})
    html = page(client, "/")
    assert "Critical Care" in html and "Team Thanks" in html and "Intensive Care" not in html
    assert "Critical Care" in page(client, "/u/icu/card") and "Critical Care" in page(client, "/u/icu/board")


def test_a_new_card_shows_on_the_next_board_page_and_wall_page(client, game):
    _display, token = board.create_display(org.unit_by_key("icu"), "Break room")
    assert "Phil rang early." not in page(client, "/u/icu/board") + page(client, f"/wall/{token}")
    publish("Phil rang early.")
    for url in ("/u/icu/board", f"/wall/{token}"):
        html = page(client, url)
        assert "Phil rang early." in html and "1 of 7" in html
    assert "Phil rang early." in page(client, "/u/icu/board", **{"HX-Request": "true"})


def test_focus_squares_show_on_the_next_board_page(client, game):
    page(client, "/u/icu/board")
    board.set_focus(org.unit_by_key("icu"), ["timely"], actor=None)
    assert page(client, "/u/icu/board").count('<span class="focus-mark">Focus</span>') == 1


def test_a_change_another_process_commits_shows_within_a_moment(client, roster):
    """Another worker's commit is seen through the board versions, read at most every VERSION_MAX_AGE."""
    page(client, "/u/icu/card")
    with db.engine.begin() as connection:  # as another process would: no session event reaches this one
        connection.execute(update(Workgroup).where(Workgroup.key == "rehab").values(name="Physio"))
        connection.execute(update(BoardVersion).values(version=BoardVersion.version + 1))
    time.sleep(live.VERSION_MAX_AGE + 0.05)
    assert "Physio" in page(client, "/u/icu/card")


def test_each_visit_gets_its_own_card_tokens(app, roster):
    first, second = app.test_client(), app.test_client()
    pages = [page(first, "/u/icu/card"), page(second, "/u/icu/card"), page(first, "/u/icu/card")]
    ids = [re.search(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"', p).group(1) for p in pages]
    tokens = [re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', p).group(1) for p in pages]
    assert len(set(ids)) == 3
    assert tokens[0] != tokens[1] and tokens[1] not in pages[0] + pages[2] and "slot-" not in "".join(pages)


def test_a_card_sent_from_the_cached_page_is_stored(client, roster, card_form):
    org.save_unit_settings(org.unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    response = client.post("/u/icu/card", data=card_form())
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)


def test_a_coordinators_pages_do_not_reach_the_tablet(app, game, make_account):
    make_account(roles=[("icu", "coordinator")])
    coordinator, tablet = app.test_client(), app.test_client()

    Auth(coordinator).sign_in()
    for url in ("/", "/u/icu/card", "/u/icu/board"):
        assert "Sign out" in page(coordinator, url)
        assert "Sign out" not in page(tablet, url)


def test_requiring_enrolled_tablets_applies_to_the_next_visit(client, roster):
    page(client, "/u/icu/card")
    page(client, "/u/icu/board")
    org.save_unit_settings(org.unit_by_key("icu"), review_first=False, require_enrolled_tablets=True, actor=None)
    assert client.get("/u/icu/card").status_code == 403
    assert client.get("/u/icu/board").status_code == 403


def test_a_display_link_made_or_revoked_since_the_last_visit_is_followed(app, client, game):
    first, token = board.create_display(org.unit_by_key("icu"), "Break room")
    page(client, f"/wall/{token}")
    _second, newer = board.create_display(org.unit_by_key("icu"), "Corridor")  # changes no board
    assert "Round 1" in page(client, f"/wall/{newer}")
    board.revoke_display(first, actor=None)
    assert client.get(f"/wall/{token}").status_code == 404


def test_a_message_waiting_for_a_signed_out_visitor_is_shown_once(app, roster, make_account):
    make_account(roles=[("icu", "coordinator")])
    visitor = app.test_client()
    page(visitor, "/")  # the page kept for visitors who are not signed in
    auth = Auth(visitor)
    auth.sign_in()
    visitor.post("/sign-out", data={"csrf_token": auth.csrf("/")})
    assert "You are signed out." in page(visitor, "/")
    assert "You are signed out." not in page(visitor, "/")


def test_kept_pages_hold_no_slot_and_no_one_elses_token(app, game, make_account):
    _display, token = board.create_display(org.unit_by_key("icu"), "Break room")
    visitor = app.test_client()
    for url in ("/", "/u/icu/board", f"/wall/{token}"):  # nothing to post: no session is made
        response = visitor.get(url)
        assert "slot-" not in response.get_data(as_text=True) and "Set-Cookie" not in response.headers
    card = page(visitor, "/u/icu/card")
    with visitor.session_transaction() as stored:  # the card's token is this visitor's own
        assert stored["csrf_token"]
    assert "slot-" not in card and 'name="csrf_token"' in card
    make_account(roles=[("icu", "coordinator")])
    coordinator = app.test_client()
    Auth(coordinator).sign_in()
    header = re.search(r'"X-CSRFToken": "([^"]+)"', page(coordinator, "/u/icu/board")).group(1)
    assert header not in card
    focus = {"focus": ["timely"]}
    assert coordinator.post("/u/icu/focus", data=focus, headers={"X-CSRFToken": "not-the-token"}).status_code == 400
    assert coordinator.post("/u/icu/focus", data=focus, headers={"X-CSRFToken": header}).status_code == 302
