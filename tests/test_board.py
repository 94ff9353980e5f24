"""Games over the database: counting published cards, declaring wins once, walls that need no sign-in."""

import os
import socket
import subprocess
import sys
import threading
import urllib.request
import uuid

import pytest
from sqlalchemy import select

from rcbingo.board import live
from rcbingo.board import service as board
from rcbingo.board.models import Credit, Game, GameState, Win
from rcbingo.cards import service as cards
from rcbingo.cards.models import Card
from rcbingo.cards.rules import Draft, Entry
from rcbingo.extensions import db
from rcbingo.org.models import Workgroup
from rcbingo.org.service import load_roster, save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS

from .conftest import ROSTER, fresh

NURSE = Entry("Nora Nurse", "nurses", "icu")
PHARMACIST = Entry("Phil Pharma", "pharmacists", "icu")
THERAPIST = Entry("Rita Rehab", "rehab", "ward")


def publish(nominees, dimensions, unit="icu", nominator=NURSE, story="A story worth telling."):
    card, _ = cards.submit(Draft(nominator=nominator, nominees=tuple(nominees), dimensions=frozenset(dimensions),
                                 story=story), unit_by_key(unit), uuid.uuid4().hex)
    return card


def workgroup_id(key):
    return db.session.scalar(select(Workgroup.id).where(Workgroup.key == key))


@pytest.fixture
def game(app, roster):
    """The ICU publishes at once, declares wins at once (confirmed wins: test_board_confirmed.py) and runs a game for
    nurses, pharmacists and rehabilitation therapists."""
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, confirm_wins=False,
                       actor=None)
    return board.create_game(unit_by_key("icu"), title="Round 1", prize="Pizza",
                             workgroup_ids=[workgroup_id(k) for k in ("nurses", "pharmacists", "rehab")],
                             start_now=True)


def snapshot(unit="icu"):
    fresh()
    return board.board(unit_by_key(unit))


def test_a_published_card_covers_its_squares(game):
    publish([PHARMACIST], ["timely", "accurate"])
    view = snapshot()
    assert view.progress[workgroup_id("pharmacists")] == 2
    assert view.covered(workgroup_id("pharmacists"), "timely")
    assert not view.covered(workgroup_id("nurses"), "timely")


def test_a_card_is_stored_as_sent_with_its_people_in_order_and_counts_once(game):
    """What the kiosk is answered with is what was stored: each person in the order written, every dimension."""
    sent = publish([THERAPIST, PHARMACIST, Entry("Ned Night", "nurses", "icu")],
                   ["timely", "accurate", "mutual_respect"], story="Stayed late to go over the plan.")
    answered = ([(n.id, n.name, n.workgroup_id, n.unit_id) for n in sent.nominees], sent.dimension_keys,
                sent.status, sent.created_at)
    card_id = sent.id
    fresh()
    db.session.expunge_all()
    stored = db.session.get(Card, card_id)
    assert ([(n.id, n.name, n.workgroup_id, n.unit_id) for n in stored.nominees], stored.dimension_keys,
            stored.status, stored.created_at) == answered
    assert [(n.name, n.workgroup.key, n.unit.key) for n in stored.nominees] == [
        ("Rita Rehab", "rehab", "ward"), ("Phil Pharma", "pharmacists", "icu"), ("Ned Night", "nurses", "icu")]
    assert stored.dimension_keys == {"timely", "accurate", "mutual_respect"}
    assert (stored.story, stored.practice, stored.decision_reason, stored.nominator_workgroup.key) == (
        "Stayed late to go over the plan.", "", "", "nurses")
    credited = db.session.execute(select(Credit.workgroup_id, Credit.dimension).where(
        Credit.card_id == card_id)).all()
    # a nurse's card does not credit the nurses
    assert sorted(credited) == sorted((workgroup_id(w), d) for w in ("pharmacists", "rehab")
                                      for d in ("timely", "accurate", "mutual_respect"))


def test_a_card_waiting_for_review_covers_nothing_until_approved(game, make_account):
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    card = publish([PHARMACIST], ["timely"])
    assert snapshot().progress[workgroup_id("pharmacists")] == 0
    cards.approve(card, actor=make_account())
    assert snapshot().progress[workgroup_id("pharmacists")] == 1


def test_a_card_published_while_no_game_runs_covers_nothing_later(app, roster):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    publish([PHARMACIST], ["timely"])
    board.create_game(unit_by_key("icu"), title="Later", workgroup_ids=[workgroup_id("nurses"),
                                                                          workgroup_id("pharmacists")], start_now=True)
    view = snapshot()
    assert view.progress[workgroup_id("pharmacists")] == 0
    assert [c.story for c in view.stories] == ["A story worth telling."]


def test_a_card_counts_in_the_unit_where_it_was_written(game):
    save_unit_settings(unit_by_key("ward"), review_first=False, require_enrolled_tablets=False, actor=None)
    publish([PHARMACIST], ["timely"], unit="ward", nominator=Entry("Nora Nurse", "nurses", "ward"))
    assert snapshot().progress[workgroup_id("pharmacists")] == 0


def test_credit_for_a_workgroup_outside_the_game_is_not_shown(app, roster):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(unit_by_key("icu"), title="Two only", start_now=True,
                      workgroup_ids=[workgroup_id("nurses"), workgroup_id("pharmacists")])
    publish([THERAPIST], DIMENSION_KEYS)
    view = snapshot()
    assert workgroup_id("rehab") not in view.progress and view.winners == []


def test_the_first_workgroup_on_all_seven_wins_once(game):
    publish([PHARMACIST], DIMENSION_KEYS[:6])
    completing = publish([PHARMACIST], [DIMENSION_KEYS[6]])
    publish([THERAPIST], DIMENSION_KEYS)
    publish([PHARMACIST], DIMENSION_KEYS)
    view = snapshot()
    [winner] = view.winners
    assert (winner.workgroup.key, winner.card_id, winner.place) == ("pharmacists", completing.id, 1)
    assert [(w.workgroup.key, w.place) for w in view.wins] == [("pharmacists", 1), ("rehab", 2)]
    assert view.game.state is GameState.WON


def test_one_card_completing_two_workgroups_makes_a_joint_win(game):
    publish([PHARMACIST, THERAPIST], DIMENSION_KEYS[:6])
    publish([PHARMACIST, THERAPIST], [DIMENSION_KEYS[6]])
    assert sorted(w.workgroup.key for w in snapshot().winners) == ["pharmacists", "rehab"]


def test_a_rejected_card_stops_covering_but_a_declared_win_survives(game, make_account):
    publish([PHARMACIST], DIMENSION_KEYS[:6])
    completing = publish([PHARMACIST], [DIMENSION_KEYS[6]])
    cards.withdraw(completing, "Written about the wrong shift", actor=make_account())
    view = snapshot()
    assert view.progress[workgroup_id("pharmacists")] == 6
    assert [w.workgroup.key for w in view.winners] == ["pharmacists"]
    fresh()
    assert db.session.scalars(select(Credit).where(Credit.card_id == completing.id)).all() == []


def test_a_revoked_win_leaves_the_board_and_is_audited(game, make_account, client, auth):
    publish([PHARMACIST], DIMENSION_KEYS)
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    win = db.session.scalar(select(Win))
    game_url = f"/u/icu/games/{game.id}"
    refused = client.post(game_url, data={"csrf_token": auth.csrf(game_url), "action": "revoke", "win": win.id},
                          follow_redirects=True)
    assert "Say why the win is revoked" in refused.get_data(as_text=True)
    client.post(game_url, data={"csrf_token": auth.csrf(game_url), "action": "revoke", "win": win.id,
                                "reason": "Cards were for the wrong unit"})
    view = snapshot()
    assert view.winners == [] and view.wins[0].revoke_reason == "Cards were for the wrong unit"
    from rcbingo.audit.models import AuditEvent

    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "win_revoked")) is not None


def completed_at_once(app, game, threads: int) -> None:
    """`threads` cards, each completing a different workgroup's board (one of them two at once), published at the
    same instant."""
    load_roster({**ROSTER, "workgroups": [*ROSTER["workgroups"], {"key": "chaplains", "name": "Chaplains"}],
                 "staff": [*ROSTER["staff"], {"name": "Cy Chaplain", "workgroup": "chaplains", "unit": "icu"}]})
    chaplain = Entry("Cy Chaplain", "chaplains", "icu")
    fresh()
    with db.session.begin():
        from rcbingo.board.models import GameWorkgroup

        db.session.add(GameWorkgroup(game_id=game.id, workgroup_id=workgroup_id("chaplains")))
    contenders = [[PHARMACIST], [THERAPIST], [chaplain], [PHARMACIST, THERAPIST]][:threads]
    for nominees in contenders[:3]:
        publish(nominees, DIMENSION_KEYS[:6])
    barrier = threading.Barrier(threads)
    errors = []

    def complete(nominees):
        with app.app_context():
            try:
                barrier.wait()
                publish(nominees, [DIMENSION_KEYS[6]])
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=complete, args=(n,)) for n in contenders]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


@pytest.mark.parametrize("threads", [4])
def test_cards_published_at_the_same_instant_make_exactly_one_first_winner(app, game, threads):
    """Each thread completes a different workgroup at once: one wins, the others are runners-up."""
    completed_at_once(app, game, threads)
    wins = snapshot().wins
    firsts = [w for w in wins if w.place == 1]
    assert len(firsts) in (1, 2)
    if len(firsts) == 2:  # only one card can complete two workgroups at once: the joint card
        assert {w.card_id for w in firsts} == {firsts[0].card_id}
        assert {w.workgroup.key for w in firsts} == {"pharmacists", "rehab"}
    assert sorted(w.workgroup.key for w in wins) == ["chaplains", "pharmacists", "rehab"]
    assert len({w.place for w in wins}) == len({w.card_id for w in wins})


def test_a_display_link_shows_the_board_without_sign_in(app, game, client):
    publish([PHARMACIST], ["timely"], story="Phil rang within minutes.")
    publish([PHARMACIST], ["accurate"], story="Consented story.")
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=True, actor=None)
    publish([PHARMACIST], ["frequent"], story="Still waiting for review, not for walls.")
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    page = client.get(f"/wall/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Round 1" in html and "Phil rang within minutes." in html and "1 of 7" not in html
    assert "2 of 7" in html and "Still waiting for review" not in html
    assert 'sse-connect="/wall/' in html


def test_a_story_without_consent_stays_off_the_wall(app, game, client):
    cards.submit(Draft(nominator=NURSE, nominees=(PHARMACIST,), dimensions=frozenset({"timely"}),
                                 story="Not for sharing.", consent_publish=False),
                           unit_by_key("icu"), uuid.uuid4().hex)
    publish([PHARMACIST], ["accurate"], story="Share me.", nominator=Entry("Ned Night", "nurses", "icu"))
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    html = client.get(f"/wall/{token}").get_data(as_text=True)
    assert "Not for sharing." not in html and "Share me." in html and "2 of 7" in html


def test_a_colleague_who_asked_not_to_be_named_is_a_colleague(app, game, client):
    cards.submit(Draft(nominator=NURSE, nominees=(PHARMACIST,), dimensions=frozenset({"timely"}),
                       story="Quietly thankful.", show_nominator_name=False), unit_by_key("icu"), uuid.uuid4().hex)
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    html = client.get(f"/wall/{token}").get_data(as_text=True)
    assert "a colleague" in html and "Nora" not in html


def test_a_revoked_display_shows_nothing(app, game, client, make_account):
    publish([PHARMACIST], ["timely"], story="Phil rang within minutes.")
    display, token = board.create_display(unit_by_key("icu"), "Break room")
    board.revoke_display(display, actor=make_account())
    page = client.get(f"/wall/{token}")
    assert page.status_code == 404 and "Phil rang" not in page.get_data(as_text=True)
    stream = client.get(f"/wall/{token}/stream")
    assert stream.status_code == 404 and "Phil rang" not in stream.get_data(as_text=True)


def test_the_wall_stream_sends_the_board_then_each_change(app, game, live_server):
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    with urllib.request.urlopen(f"{live_server}/wall/{token}/stream", timeout=10) as stream:  # noqa: S310 - our own server
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = read_event(stream)
        assert first.startswith("retry: ") and "event: board" in first and "0 of 7" in first
        publish([PHARMACIST], ["timely"], story="Fresh off the tablet.")
        second = read_event(stream)
        assert "event: board" in second and "Fresh off the tablet." in second and "1 of 7" in second
        assert second.count('class="square') == 3 * 7 and second.count('class="square covered') == 1
        assert second.count(">covered<") == 1 and second.count(">not yet<") == 20  # what a screen reader says


ANOTHER_PROCESS_PUBLISHES = """
import sys
from rcbingo import create_app
from rcbingo.board import live
from rcbingo.database import write_transaction
from rcbingo.org.service import unit_by_key
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "another process"})
with app.app_context(), write_transaction() as session:
    live.bump(session, unit_by_key("icu").id)
"""


def test_a_change_committed_by_another_server_process_wakes_this_ones_walls_at_once(app, game, monkeypatch):
    """Without waiting for the watcher's fallback read (made to wait half a minute here): on PostgreSQL NOTIFY, on
    SQLite the doorbell the committing process rings."""
    monkeypatch.setattr(live, "TICK_SECONDS", 30)
    watcher = live.Watcher(app)
    try:
        seen = watcher.wait(0, timeout=10)  # its first read: it is listening
        assert seen > 0
        url = db.engine.url.render_as_string(hide_password=False)
        subprocess.run([sys.executable, "-c", ANOTHER_PROCESS_PUBLISHES, url], check=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert watcher.wait(seen, timeout=10) > seen
        assert watcher.versions[unit_by_key("icu").id] == live.version(unit_by_key("icu").id)
    finally:
        watcher.stop()


def test_a_doorbell_left_by_a_process_that_died_is_cleared_and_nothing_else(app):
    folder = live.Doorbell.folder_for(db.engine.url)
    if folder is None:
        pytest.skip("PostgreSQL's NOTIFY needs no doorbell")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    gone, kept = os.path.join(folder, "dead.sock"), os.path.join(folder, "not-a-socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as dead:
        dead.bind(gone)
    with open(kept, "w") as other:
        other.write("anything else in the folder is left alone")
    live.Doorbell.ring(folder)
    assert not os.path.exists(gone) and os.path.exists(kept)
    os.unlink(kept)


def test_a_doorbell_folder_that_others_may_write_to_is_never_used(app, tmp_path):
    """In a shared temporary directory, another user could make the folder first: then no socket goes there."""
    folder = tmp_path / "bells"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    with pytest.raises(PermissionError):
        live.Doorbell(str(folder))
    assert list(folder.iterdir()) == []


def read_event(stream) -> str:
    """Lines up to the end of the next board event (keepalives and retry lines before it included)."""
    lines = []
    while True:
        line = stream.readline().decode()
        lines.append(line)
        if line == "\n" and any(entry.startswith("event: board") for entry in lines):
            return "".join(lines)


def test_display_link_command_prints_a_working_link(runner, game, client):
    result = runner.invoke(args=["display-link", "Intensive Care", "--base-url", "http://board.example.org"])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("http://board.example.org/wall/")
    assert client.get(link.removeprefix("http://board.example.org")).status_code == 200
    assert runner.invoke(args=["display-link", "nowhere"]).exit_code != 0


def test_the_recognition_map_names_the_workgroups_nobody_recognised(game, client, make_account, auth):
    publish([PHARMACIST], ["timely"])
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    html = client.get("/u/icu/recognition").get_data(as_text=True)
    assert "Nobody has recognised Rehabilitation therapists yet." in html
    assert "Nobody has recognised Pharmacists yet." not in html


def test_a_coordinator_runs_games_round_after_round(game, client, make_account, auth):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    url = "/u/icu/games"
    busy = client.post(url, data={"csrf_token": auth.csrf(url), "title": "Round 2", "start_now": "y",
                                  "workgroups": [workgroup_id("nurses"), workgroup_id("rehab")]})
    assert busy.status_code == 422 and "Another game is running" in busy.get_data(as_text=True)
    client.post(f"/u/icu/games/{game.id}", data={"csrf_token": auth.csrf(url), "action": "close"})
    started = client.post(url, data={"csrf_token": auth.csrf(url), "title": "Round 2", "start_now": "y",
                                     "workgroups": [workgroup_id("nurses"), workgroup_id("rehab")]})
    assert started.status_code == 302
    fresh()
    assert [(g.title, g.state) for g in board.unit_games(unit_by_key("icu"))] == [
        ("Round 2", GameState.RUNNING), ("Round 1", GameState.CLOSED)]
    assert "Round 1" in client.get(url).get_data(as_text=True)


def test_focus_squares_show_on_the_board_the_wall_and_in_the_newsletter(game, client, make_account, auth):
    from datetime import date

    from rcbingo.newsletter import service as newsletter

    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    client.post("/u/icu/focus", data={"csrf_token": auth.csrf("/u/icu/games"), "focus": ["timely", "shared_knowledge"]})
    assert snapshot().focus == ["shared_knowledge", "timely"]
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    wall = client.get(f"/wall/{token}").get_data(as_text=True)
    assert wall.count('<span class="focus-mark">Focus</span>') == 2
    publish([PHARMACIST], ["timely"])
    issue = newsletter.draft(unit_by_key("icu"), date.today().replace(day=1))
    assert "Focus squares" in newsletter.render(issue) and "Shared Knowledge, Timely" in newsletter.render(issue)


def test_square_counts_always_match_the_counted_cards(game, make_account):
    from sqlalchemy import func

    from rcbingo.org.service import merge_workgroups

    admin = make_account("admin@example.org", is_admin=True)
    kept = publish([PHARMACIST, THERAPIST], ["timely", "accurate"])
    dropped = publish([PHARMACIST], ["timely", "frequent"])
    publish([THERAPIST], ["timely"])
    cards.withdraw(dropped, "Duplicate", actor=admin)
    fresh()
    merge_workgroups(db.session.get(Workgroup, workgroup_id("pharmacists")),
                     db.session.get(Workgroup, workgroup_id("rehab")), actor=admin)
    view = snapshot()
    recount = {(w, d): n for w, d, n in db.session.execute(
        select(Credit.workgroup_id, Credit.dimension, func.count(func.distinct(Credit.card_id)))
        .group_by(Credit.workgroup_id, Credit.dimension))}
    assert view.cards_per_square == recount
    assert recount[(workgroup_id("rehab"), "timely")] == 2 and kept.id


def test_a_wall_that_is_watching_goes_dark_when_its_link_is_revoked(app, game, live_server, make_account):
    display, token = board.create_display(unit_by_key("icu"), "Break room")
    with urllib.request.urlopen(f"{live_server}/wall/{token}/stream", timeout=10) as stream:  # noqa: S310 - ours
        assert "0 of 7" in read_event(stream)
        board.revoke_display(display, actor=make_account())
        off = read_event(stream)
        assert "This display has been turned off" in off and "retry: 60000" in off


def test_a_renamed_workgroup_shows_on_a_watching_wall(app, game, live_server, make_account):
    from rcbingo.org.service import rename_workgroup

    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    with urllib.request.urlopen(f"{live_server}/wall/{token}/stream", timeout=10) as stream:  # noqa: S310 - ours
        assert "Pharmacists" in read_event(stream)
        rename_workgroup(db.session.get(Workgroup, workgroup_id("pharmacists")), "Clinical pharmacists",
                         actor=make_account(is_admin=True))
        assert "Clinical pharmacists" in read_event(stream)


def test_a_story_redacted_after_publication_leaves_a_watching_wall(app, game, live_server, make_account):
    # A patient's first name alone slips past the screen; the coordinator who spots it redacts it.
    card = publish([PHARMACIST], ["timely"], story="Phil sorted the pump for Harold before the night shift.")
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    with urllib.request.urlopen(f"{live_server}/wall/{token}/stream", timeout=10) as stream:  # noqa: S310 - ours
        assert "Harold" in read_event(stream)
        cards.edit(card, practice="", story="Phil sorted the pump for [a patient] before the night shift.",
                   actor=make_account())
        redrawn = read_event(stream)
        assert "[a patient]" in redrawn and "Harold" not in redrawn


def test_a_game_cannot_end_before_it_starts_counting(app, roster, make_account, auth, client):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    ids = [str(workgroup_id(k)) for k in ("nurses", "pharmacists")]
    response = client.post("/u/icu/games", data={"csrf_token": auth.csrf(), "title": "Spring", "workgroups": ids,
                                                 "ends_at": "2026-03-08T02:30", "start_now": "y"})
    assert response.status_code == 422 and "The end must be later than now" in response.text
    assert board.unit_games(unit_by_key("icu")) == []


def test_a_merge_that_completes_a_workgroups_board_declares_its_win_at_once(game, make_account):
    """Pharmacists were recognised on six dimensions, rehabilitation therapists on the seventh: merged, the one
    workgroup has all seven and wins then, not at a later card (which could only cover squares already covered)."""
    from rcbingo.org.service import merge_workgroups

    publish([PHARMACIST], DIMENSION_KEYS[:6])
    publish([THERAPIST], [DIMENSION_KEYS[6]])
    assert snapshot().winners == []
    merge_workgroups(db.session.get(Workgroup, workgroup_id("pharmacists")),
                     db.session.get(Workgroup, workgroup_id("rehab")), actor=make_account(is_admin=True))
    view = snapshot()
    assert [(w.workgroup.key, w.place) for w in view.winners] == [("rehab", 1)]
    assert view.game.state is GameState.WON
    publish([THERAPIST], DIMENSION_KEYS)  # a card on every square changes nothing of it
    assert [(w.workgroup.key, w.place) for w in snapshot().wins] == [("rehab", 1)]


def test_new_cards_see_a_roster_change_at_once_here_and_within_seconds_from_another_server(game, make_account,
                                                                                            monkeypatch):
    from sqlalchemy import update

    from rcbingo.database import utcnow
    from rcbingo.org import service as org
    from rcbingo.org.models import Person

    monkeypatch.setattr(org, "LOOKUPS_SECONDS", 600)  # (this test's own pace never ages them)
    admin = make_account(is_admin=True)
    rehab = db.session.get(Workgroup, workgroup_id("rehab"))
    publish([PHARMACIST], ["timely"])  # what cards are checked against is read, and kept for a second
    org.set_workgroup_retired(rehab, True, actor=admin)
    with pytest.raises(cards.CardRefused) as refused:  # changed by this process: seen by the next card
        publish([THERAPIST], ["timely"])
    assert "nominees.0.workgroup" in refused.value.problems
    org.set_workgroup_retired(rehab, False, actor=admin)
    publish([THERAPIST], ["timely"])
    # Another server process retires the pharmacists, adds a workgroup and a nurse; this one hears nothing of it.
    with db.engine.begin() as elsewhere:
        elsewhere.execute(update(Workgroup).where(Workgroup.key == "pharmacists").values(retired_at=utcnow()))
        elsewhere.execute(Workgroup.__table__.insert().values(key="chaplains", name="Chaplains"))
        elsewhere.execute(Person.__table__.insert().values(name="Nia New", workgroup_id=workgroup_id("nurses"),
                                                           unit_id=unit_by_key("icu").id))
    publish([PHARMACIST], ["accurate"])  # within LOOKUPS_SECONDS: judged against the roster as it was
    publish([Entry("Cy Chaplain", "chaplains", "icu")], ["timely"])  # unknown here: checked again, not refused
    with pytest.raises(cards.CardRefused):  # (and that read is the roster as it is now)
        publish([PHARMACIST], ["frequent"])
    monkeypatch.setattr(org, "LOOKUPS_SECONDS", 0)
    card = publish([THERAPIST], ["frequent"], nominator=Entry("Nia New", "nurses", "icu"))
    fresh()
    assert db.session.get(Person, card.nominator_person_id).name == "Nia New"


GEVENT_WORKER_PUBLISHES = """
from gevent import monkey
monkey.patch_all()
import sys, uuid
import gevent, psycopg.waiting
from rcbingo import create_app, database
from rcbingo.cards import service as cards
from rcbingo.cards.rules import Draft, Entry
from rcbingo.extensions import db
from rcbingo.org.service import unit_by_key
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "a gevent worker"})
create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "a second app in the same process"})
def send(n):
    with app.app_context():
        try:
            draft = Draft(nominator=Entry("Nora Nurse", "nurses", "icu"), dimensions=frozenset(["timely", "accurate"]),
                          nominees=(Entry("Phil Pharma", "pharmacists", "icu"),), story=f"Card {n}")
            cards.submit(draft, unit_by_key("icu"), uuid.uuid4().hex)
        finally:
            db.session.remove()
gevent.joinall([gevent.spawn(send, n) for n in range(40)], raise_error=True)
print(psycopg.waiting.wait.keeps_the_cpu_while_holding, len(database._holding))
"""


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's queue for a game (TEST_DATABASE_URL)")
def test_cards_sent_at_once_in_a_gevent_worker_are_all_counted_once_each(app, game):
    """As gunicorn's gevent workers run: 40 cards at once, each waiting its turn for the game (PostgreSQL's advisory
    lock), the card holding it keeping the CPU for its answers (database.holding_a_queued_lock)."""
    url = db.engine.url.render_as_string(hide_password=False)
    out = subprocess.run([sys.executable, "-c", GEVENT_WORKER_PUBLISHES, url], check=True, timeout=120,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()}).stdout
    assert out.split() == ["True", "0"]  # psycopg waits our way; no connection is left marked as holding
    view = snapshot()
    pharmacists = workgroup_id("pharmacists")
    assert [view.cards_per_square[(pharmacists, d)] for d in ("timely", "accurate")] == [40, 40]
    fresh()
    credits = db.session.execute(select(Credit.card_id, Credit.dimension, Credit.seq).order_by(Credit.seq)).all()
    assert len(credits) == 80 and len({c.seq for c in credits}) == 80
    # each card's two credits are next to each other in the game's order: no card was counted between them
    assert all(credits[n].card_id == credits[n + 1].card_id for n in range(0, 80, 2))


def test_two_coordinators_deciding_one_card_at_once_leave_it_counted_only_if_published(game, make_account):
    """Each decides from the page as it loaded (the card waiting for review): the later decision is made against the
    card as it is by then, and a second approval is not a second count."""
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    waiting = publish([PHARMACIST], ["timely", "accurate"])
    seen_by_a, seen_by_b = db.session.get(Card, waiting.id), db.session.get(Card, waiting.id)
    db.session.expunge_all()  # (as two requests hold their own copies)
    cards.approve(seen_by_a, actor=make_account("a@example.org"))
    cards.reject(seen_by_b, "Not about this unit", actor=make_account("b@example.org"))
    view = snapshot()
    assert db.session.get(Card, waiting.id).status.value == "rejected"
    assert view.progress[workgroup_id("pharmacists")] == 0
    again = publish([PHARMACIST], ["timely"])
    copy = db.session.get(Card, again.id)
    db.session.expunge_all()
    cards.approve(copy, actor=make_account("a2@example.org"))
    cards.approve(copy, actor=make_account("b2@example.org"))  # twice: counted once
    assert snapshot().cards_per_square[(workgroup_id("pharmacists"), "timely")] == 1


def test_two_coordinators_starting_a_game_at_once_start_one(app, roster, make_account, threads=4):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    ids = [workgroup_id("nurses"), workgroup_id("pharmacists")]
    barrier, outcomes = threading.Barrier(threads), []

    def start(n):
        with app.app_context():
            try:
                barrier.wait()
                board.create_game(unit_by_key("icu"), title=f"Round {n}", workgroup_ids=ids, start_now=True)
                outcomes.append("started")
            except board.GameError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    workers = [threading.Thread(target=start, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["refused"] * (threads - 1) + ["started"]
    fresh()
    assert len(db.session.scalars(select(Game).where(Game.state == GameState.RUNNING)).all()) == 1


def holding_the_turn(unit: str):
    """PostgreSQL: a connection of its own (a card being counted, a coordinator's Start) holding the unit's turn in
    an open transaction, until it commits."""
    import psycopg

    from rcbingo.board.service import COUNTING_QUEUE

    holder = psycopg.connect(db.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""))
    holder.execute("SELECT pg_advisory_xact_lock(%s, %s)", (COUNTING_QUEUE, unit_by_key(unit).id))
    return holder


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's row locks (TEST_DATABASE_URL)")
def test_closing_a_game_while_a_card_is_counted_waits_for_the_card(app, game, make_account):
    """The card holds the game (its turn, then the game's row) and is about to change the board's version when the
    coordinator closes the game: the close waits for the card, and neither fails (no deadlock)."""
    unit_id = unit_by_key("icu").id
    card = holding_the_turn("icu")
    card.execute("UPDATE game SET credit_seq = credit_seq + 1 WHERE id = %s", (game.id,))
    errors = []

    def close():
        with app.app_context():
            try:
                board.close_game(db.session.get(Game, game.id), actor=make_account())
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    closing = threading.Thread(target=close)
    closing.start()
    closing.join(1)
    assert closing.is_alive()  # waiting for the card
    card.execute("UPDATE board_version SET version = version + 1 WHERE unit_id = %s", (unit_id,))
    card.commit()
    card.close()
    closing.join(10)
    assert errors == []
    fresh()
    assert db.session.get(Game, game.id).state is GameState.CLOSED


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's row locks (TEST_DATABASE_URL)")
def test_a_card_published_while_a_game_starts_counts_in_it(app, roster, make_account):
    """The coordinator's Start holds the unit's turn when a card published after the game's start asks for it:
    the card waits, then counts in the game that started."""
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    upcoming = board.create_game(unit_by_key("icu"), title="Round 2", prize="Pizza",
                                 workgroup_ids=[workgroup_id("pharmacists"), workgroup_id("rehab")], start_now=False)
    start = holding_the_turn("icu")
    start.execute("UPDATE game SET state = 'running', starts_at = now() - interval '1 second' WHERE id = %s",
                  (upcoming.id,))
    published = []

    def send():
        with app.app_context():
            try:
                published.append(publish([PHARMACIST], ["timely"]).id)
            finally:
                db.session.remove()

    sending = threading.Thread(target=send)
    sending.start()
    sending.join(1)
    start.commit()
    start.close()
    sending.join(10)
    fresh()
    assert db.session.scalars(select(Credit.game_id).where(Credit.card_id == published[0])).all() == [upcoming.id]
    assert snapshot().progress[workgroup_id("pharmacists")] == 1


def test_closing_a_game_and_retiring_someone_ask_first(game, client, make_account, auth):
    """One tap (a gloved one, say) never ends a unit's game or takes someone off the cards: the button asks."""
    make_account(roles=[("icu", "coordinator")], is_admin=True)
    auth.sign_in()
    pages = {"game": client.get(f"/u/icu/games/{game.id}"), "roster": client.get("/u/icu/roster"),
             "workgroup": client.get(f"/workgroups/{workgroup_id('rehab')}")}
    text = {name: page.get_data(as_text=True) for name, page in pages.items()}
    assert 'data-confirm="Close this game? It stops counting cards for good' in text["game"]
    assert 'data-confirm="Retire this workgroup? No card can name it from now on' in text["workgroup"]
    retire_buttons = text["roster"].count(">Retire</button>")
    assert retire_buttons >= 2 and text["roster"].count('data-confirm="Retire this person?') == retire_buttons
    closed = client.post(f"/u/icu/games/{game.id}", data={"csrf_token": auth.csrf(f"/u/icu/games/{game.id}"),
                                                            "action": "close"}, follow_redirects=True)
    assert "The game is closed: it counts no more cards." in closed.get_data(as_text=True)
