"""The coordinator's day: what needs attention, times on the unit's clocks, and the stories search."""

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from rcbingo import zones
from rcbingo.board import service as board
from rcbingo.board.models import Game
from rcbingo.cards import service as cards
from rcbingo.cards.models import Card
from rcbingo.cards.rules import Draft, Entry
from rcbingo.database import utcnow, write_transaction
from rcbingo.desk import rules
from rcbingo.extensions import db
from rcbingo.org.models import Workgroup
from rcbingo.org.service import load_roster, save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS
from rcbingo.survey import service as survey

from .conftest import ROSTER, fresh

NURSE = Entry("Nora Nurse", "nurses", "icu")
PHARMACIST = Entry("Phil Pharma", "pharmacists", "icu")
THERAPIST = Entry("Rita Rehab", "rehab", "ward")
PHI_STORY = "Phil sat with Mr. Alvarez in room 14 until his daughter arrived."
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


# --- the rules, without HTTP ----------------------------------------------------------------------

@pytest.mark.parametrize(("progress", "won", "near"), [
    ({1: 5, 2: 6, 3: 4, 4: 7}, set(), [(2, 1), (1, 2)]),   # 6 of 7 first, then 5 of 7; 4 and 7 are not near
    ({1: 5, 2: 6}, {2}, [(1, 2)]),                        # a workgroup that has won is not "near"
    ({1: 0, 2: 3}, set(), []),
    ({}, set(), []),
])
def test_near_a_win_is_five_or_six_of_seven_squares_and_not_won(progress, won, near):
    assert rules.near_win(progress, won) == near


@pytest.mark.parametrize(("days", "is_quiet"), [(None, True), (0, False), (6.9, False), (7, True), (30, True)])
def test_a_unit_is_quiet_after_seven_days_without_a_card(days, is_quiet):
    last = None if days is None else NOW - timedelta(days=days)
    assert rules.quiet(last, NOW) is is_quiet


@pytest.mark.parametrize(("answered", "invited", "rate"), [(23, 40, 57), (0, 12, 0), (5, 0, None), (12, 10, 120)])
def test_the_response_rate_is_answered_against_invited(answered, invited, rate):
    assert rules.response_rate(answered, invited) == rate


def test_each_role_sees_the_lines_its_pages_handle():
    facts = rules.UnitFacts(held=1, oldest_held=NOW, waiting=2, oldest_waiting=NOW - timedelta(days=3),
                            last_card=None, game=1, progress={7: 6}, waves=[(3, 10, 4)], issue=(9, False))
    everything = [line.kind for line in rules.lines(facts, NOW, rules.kinds_for(True, True))]
    assert everything == ["held", "waiting", "near_win", "quiet", "survey", "newsletter"]
    assert [line.kind for line in rules.lines(facts, NOW, rules.kinds_for(False, True))] == ["near_win", "newsletter"]
    assert "newsletter" not in [line.kind for line in rules.lines(facts, NOW, rules.kinds_for(True, False))]
    assert rules.lines(rules.UnitFacts(last_card=NOW, game=1), NOW, rules.kinds_for(True, False)) == []


def test_a_unit_with_no_game_running_is_told_to_start_one():
    """A new unit's cards count on no board until a round runs: the first thing its coordinator needs to know."""
    facts = rules.UnitFacts(last_card=NOW, waiting=1, oldest_waiting=NOW)
    found = rules.lines(facts, NOW, rules.kinds_for(True, False))
    assert [line.kind for line in found] == ["no_game", "waiting"]
    assert "no_game" not in [line.kind for line in rules.lines(rules.UnitFacts(), NOW, rules.kinds_for(False, True))]


def test_a_won_game_still_open_comes_first_with_its_winners():
    facts = rules.UnitFacts(game=4, winners=(2, 3), to_confirm=[(4, 5)], waiting=1, oldest_waiting=NOW, last_card=NOW)
    found = rules.lines(facts, NOW, rules.kinds_for(True, False))
    assert [line.kind for line in found] == ["won", "confirm_win", "waiting"]
    assert found[0] == rules.Line("won", game=4, workgroups=(2, 3))
    assert [line.kind for line in rules.lines(facts, NOW, rules.kinds_for(False, True))] == ["newsletter"]


@pytest.mark.parametrize(("word", "pattern"), [
    ("Dose", "%dose%"), ("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("back\\slash", "%back\\\\slash%")])
def test_search_words_match_their_wildcards_literally(word, pattern):
    assert rules.like_pattern(word) == pattern


@pytest.mark.parametrize(("value", "page"), [(None, 1), ("3", 3), ("0", 1), ("-2", 1), ("x", 1), ("²", 1),
                                             ("99999999999999999999", 1)])
def test_a_page_number_is_a_small_whole_number_or_the_first_page(value, page):
    assert rules.page_number(value) == page


# --- helpers --------------------------------------------------------------------------------------

def chicago_roster():
    """The test organization with both units on Chicago's clocks."""
    load_roster({**ROSTER, "units": [{**u, "timezone": "America/Chicago"} for u in ROSTER["units"]]})


def write(nominees=(PHARMACIST,), dimensions=("timely",), unit="icu", nominator=NURSE, story="A story.",
          at=None, consent=True) -> Card:
    card, _ = cards.submit(Draft(nominator=nominator, nominees=tuple(nominees), dimensions=frozenset(dimensions),
                                 story=story, consent_publish=consent), unit_by_key(unit), uuid.uuid4().hex,
                           written_at=at)
    return card


def workgroup_id(key):
    return db.session.scalar(select(Workgroup.id).where(Workgroup.key == key))


def signed_in(make_account, auth, email, roles=(), is_admin=False):
    make_account(email, roles=roles, is_admin=is_admin)
    response = auth.sign_in(email)
    assert response.status_code == 302
    return auth.client


# --- the attention list -------------------------------------------------------------------------------

@pytest.fixture
def busy_icu(app, roster, make_account):
    """The ICU reviews first: one card waiting, one held for patient information, pharmacists 6 of 7 in the
    running game, an open survey, and every card written more than a week ago (a quiet week)."""
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    game = board.create_game(icu, title="Spring bingo", workgroup_ids=[workgroup_id("nurses"),
                                                                       workgroup_id("pharmacists")], start_now=True)
    write(dimensions=("shared_goals", "shared_knowledge", "mutual_respect", "frequent", "timely", "accurate"))
    save_unit_settings(icu, review_first=True, require_enrolled_tablets=False, actor=None)
    write(story="Phil checked the pump settings twice.")
    write(story=PHI_STORY)
    wave, _link = survey.open_wave(icu, name="Baseline", kind="staff",
                                   invited={workgroup_id("nurses"): 6, workgroup_id("pharmacists"): 4}, actor=None)
    for _ in range(3):
        survey.answer(wave, "nurses", {"pharmacists": {"timely": 4}})
    long_ago = utcnow() - timedelta(days=10)
    with write_transaction() as session:
        session.execute(update(Card).values(created_at=long_ago))
        session.execute(update(Card).where(Card.published_at.is_not(None)).values(published_at=long_ago))
        session.execute(update(Game).values(starts_at=long_ago - timedelta(days=1)))
    # The ward, next door, had a card published today: nothing waits there and it is not quiet.
    save_unit_settings(unit_by_key("ward"), review_first=False, require_enrolled_tablets=False, actor=None)
    write(unit="ward", nominator=THERAPIST, nominees=(NURSE,))
    return game


ICU_LINES = ["1 card held by the screen (possible patient information, or a language it cannot read)",
             "1 card waiting for review",
             "Pharmacists: 1 square from a win", "No card in the last 7 days", "Survey “Baseline” is open",
             "3 of 10 invited answered (30%)"]


def test_the_home_says_what_needs_attention_in_a_busy_unit(busy_icu, make_account, auth):
    client = signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    html = client.get("/manage").get_data(as_text=True)
    for line in ICU_LINES:
        assert line in html, line
    assert "The oldest has waited 1 week" in html
    attention = html.split('class="attention"')[1].split("</ul>")[0]
    assert attention.count('href="/u/icu/review"') == 2
    assert f'href="/u/icu/games/{busy_icu.id}"' in attention
    assert 'href="/u/icu/print"' in attention and 'href="/surveys/' in attention
    assert "newsletter" not in attention  # this coordinator does not edit the ICU's newsletter


def test_the_home_says_who_won_with_the_prize_to_arrange_and_a_way_to_close_the_game(
        app, roster, make_account, auth):
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, confirm_wins=False, actor=None)
    game = board.create_game(icu, title="Spring bingo", prize="a pizza party", start_now=True,
                             workgroup_ids=[workgroup_id("nurses"), workgroup_id("pharmacists")])
    write(dimensions=DIMENSION_KEYS)
    client = signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    html = client.get("/manage").get_data(as_text=True)
    attention = html.split('class="attention"')[1].split("</ul>")[0]
    assert "Pharmacists won “Spring bingo”" in attention
    assert "Arrange the prize: a pizza party." in attention
    close = re.search(r'<form method="post" action="(/u/icu/games/\d+)"[^>]*>.*?</form>', attention, re.S)
    assert close and close[1] == f"/u/icu/games/{game.id}" and 'value="close"' in close[0]
    client.post(close[1], data={"csrf_token": auth.csrf("/manage"), "action": "close"})
    assert "won “Spring bingo”" not in client.get("/manage").get_data(as_text=True)
    assert 'href="/u/icu/games#new-game"' in client.get(close[1]).get_data(as_text=True)  # the next round


def test_a_coordinator_of_another_unit_sees_none_of_it(busy_icu, make_account, auth):
    client = signed_in(make_account, auth, "ward@example.org", roles=[("ward", "coordinator")])
    html = client.get("/manage").get_data(as_text=True)
    for line in ICU_LINES:
        assert line not in html, line
    assert "Intensive Care" not in html and "/u/icu/" not in html
    assert "No game running" in html  # its own unit's one line: no round runs there yet


def test_an_editor_sees_the_newsletter_and_the_race_but_not_the_review_queue(busy_icu, make_account, auth):
    client = signed_in(make_account, auth, "ed@example.org", roles=[("icu", "editor")])
    html = client.get("/manage").get_data(as_text=True)
    month = zones.today(utcnow(), "UTC").strftime("%B %Y")
    assert f"The {month} newsletter is not started" in html
    assert "Pharmacists: 1 square from a win" in html and 'href="/u/icu/board"' in html
    assert "held by the screen" not in html and "waiting for review" not in html
    client.post("/u/icu/newsletter", data={"csrf_token": auth.csrf("/u/icu/newsletter"),
                                           "month": utcnow().strftime("%Y-%m")})
    assert f"The {month} newsletter is a draft" in client.get("/manage").get_data(as_text=True)


def test_a_card_waiting_this_week_is_not_a_quiet_week(app, roster, make_account, auth):
    write(unit="ward", nominator=THERAPIST, nominees=(NURSE,))
    client = signed_in(make_account, auth, "ward@example.org", roles=[("ward", "coordinator")])
    html = client.get("/manage").get_data(as_text=True)
    assert "1 card waiting for review" in html and "No card in the last 7 days" not in html


# --- times on the unit's clocks -------------------------------------------------------------------

LATE = datetime(2026, 3, 4, 23, 30, tzinfo=CHICAGO)  # 05:30 the next morning in UTC


def test_a_card_written_late_in_chicago_shows_that_day_and_time_everywhere(app, make_account, auth, client):
    chicago_roster()
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    card = write(at=LATE, story="Phil stayed late to check the drip.")
    signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    pages = {"review queue": "/u/icu/review", "review card": f"/u/icu/review/{card.id}",
             "stories": "/stories?from=2026-03-04&to=2026-03-04"}
    for name, url in pages.items():
        html = client.get(url).get_data(as_text=True)
        assert "2026-03-04 23:30 CST" in html, name
        assert 'datetime="2026-03-04T23:30:00-06:00"' in html, name
        assert "2026-03-05 05:30" not in html, name
    assert f"/review/{card.id}" not in client.get("/stories?from=2026-03-05").get_data(as_text=True)
    for url in ("/stories.csv?from=2026-03-04&to=2026-03-04",
                "/api/v1/units/icu/cards.csv?from=2026-03-04&to=2026-03-04"):
        [row] = list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True))))
        assert row["written_at"] == "2026-03-04T23:30:00-06:00", url
    assert client.get("/api/v1/units/icu/cards.csv?from=2026-03-05&to=2026-03-05").get_data(as_text=True).count(
        "\n") == 1  # the header alone: on Chicago's clocks the card was written on the 4th


def test_a_game_ends_at_a_time_typed_on_the_units_clocks(app, make_account, auth, client):
    chicago_roster()
    signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    page = client.get("/u/icu/games").get_data(as_text=True)
    assert "Ends (optional, America/Chicago time)" in page and "UTC" not in page.split("Start a round")[1]
    client.post("/u/icu/games", data={"csrf_token": auth.csrf("/u/icu/games"), "title": "Late round",
                                      "workgroups": [workgroup_id("nurses"), workgroup_id("pharmacists")],
                                      "ends_at": "2099-03-04T23:30", "start_now": "y"})
    fresh()
    game = db.session.scalar(select(Game))
    assert game.ends_at == datetime(2099, 3, 5, 5, 30, tzinfo=UTC)
    assert "2099-03-04 23:30 CST" in client.get(f"/u/icu/games/{game.id}").get_data(as_text=True)


def test_a_paper_card_is_dated_on_the_units_clocks(app, make_account, auth, client, card_form):
    chicago_roster()
    signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    fields = card_form()
    fields.update(csrf_token=auth.csrf("/u/icu/paper-card"), written_on="2026-10-02")
    assert client.post("/u/icu/paper-card", data=fields).status_code == 302
    fresh()
    card = db.session.scalar(select(Card))
    assert zones.local(card.created_at, "America/Chicago").strftime("%Y-%m-%d %H:%M") == "2026-10-02 12:00"


@pytest.mark.parametrize(("typed", "stored"), [
    (datetime(2026, 3, 8, 2, 30), datetime(2026, 3, 8, 8, 30, tzinfo=UTC)),    # skipped hour: the time after
    (datetime(2026, 11, 1, 1, 30), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),  # repeated hour: the earlier
    (datetime(2026, 7, 1, 9, 0), datetime(2026, 7, 1, 14, 0, tzinfo=UTC)),
])
def test_a_typed_time_names_one_instant_even_when_clocks_change(typed, stored):
    assert zones.to_utc(typed, "America/Chicago") == stored


def test_extreme_dates_and_unknown_zones_never_break_a_page():
    assert zones.days(date.min, date.max, "Asia/Tokyo")[1] is None
    assert zones.days(date(9999, 12, 31), date(9999, 12, 31), "Pacific/Kiritimati")[0].year == 9999
    assert zones.local(datetime(2026, 1, 1, tzinfo=UTC), "Not/AZone").utcoffset() == timedelta(0)


# --- the stories search ---------------------------------------------------------------------------

@pytest.fixture
def stories(app, make_account):
    """Five cards over two units (Chicago), each different in unit, workgroups, dimension, status, date and words."""
    chicago_roster()
    icu, ward = unit_by_key("icu"), unit_by_key("ward")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    save_unit_settings(ward, review_first=False, require_enrolled_tablets=False, actor=None)
    found = {
        "dose": write(dimensions=("timely",), story="Phil caught a 50% dose error.", at=day(1)),
        "held": write(nominees=(THERAPIST,), dimensions=("mutual_respect",), story=PHI_STORY, at=day(15)),
        "ward": write(unit="ward", nominator=THERAPIST, nominees=(NURSE,), dimensions=("timely",),
                      story="Nora kept the snake_case notes tidy.", at=day(20)),
    }
    save_unit_settings(icu, review_first=True, require_enrolled_tablets=False, actor=None)
    found["pharmacist writes"] = write(nominator=PHARMACIST, nominees=(NURSE,), dimensions=("shared_goals",),
                                       story="Nora took the time to explain.", at=day(10))
    found["rejected"] = write(dimensions=("accurate",), story="Phil double-checked.", at=day(25), consent=False)
    cards.reject(found["rejected"], "A test", actor=make_account("admin@example.org", is_admin=True))
    fresh()
    return {name: card.id for name, card in found.items()}


def day(n: int) -> datetime:
    """Noon on the nth of March 2026 in Chicago."""
    return datetime(2026, 3, n, 12, 0, tzinfo=CHICAGO)


def found_ids(client, query: str) -> set[int]:
    html = client.get(f"/stories?{query}").get_data(as_text=True)
    ids = {int(n) for n in re.findall(r'href="/u/[a-z]+/review/(\d+)"', html)}
    total = int(re.search(r'id="results-heading">(\d+) stor', html).group(1))
    assert total == len(ids), query
    return ids


def csv_ids(client, query: str) -> set[int]:
    response = client.get(f"/stories.csv?{query}")
    assert response.headers["Content-Type"].startswith("text/csv")
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}


SEARCHES = [
    ("", {"dose", "pharmacist writes", "held", "ward", "rejected"}),
    ("unit=ward", {"ward"}),
    ("workgroup=pharmacists", {"dose", "pharmacist writes", "rejected"}),  # recognised, or writing
    ("workgroup=rehab", {"held", "ward"}),
    ("dimension=timely", {"dose", "ward"}),
    ("status=published", {"dose", "ward"}),
    ("status=submitted", {"pharmacist writes", "held"}),
    ("status=held", {"held"}),
    ("status=rejected", {"rejected"}),
    ("from=2026-03-10&to=2026-03-15", {"pharmacist writes", "held"}),
    ("from=2026-03-20", {"ward", "rejected"}),
    ("to=2026-03-01", {"dose"}),
    ("words=PHIL", {"dose", "held", "rejected"}),                        # any case
    ("words=%25", {"dose"}),                                              # % is a percent sign, not a wildcard
    ("words=_", {"ward"}),                                                # _ is an underscore
    ("words=nora+explain", {"pharmacist writes"}),                        # every word
    ("unit=icu&dimension=timely&status=published&words=dose", {"dose"}),
    ("workgroup=nurses&from=2026-03-15&status=published", {"ward"}),
    ("unit=ward&status=submitted", set()),
    ("unit=nowhere&status=nonsense&dimension=x&from=2026-02-30&page=-1", {"dose", "pharmacist writes", "held",
                                                                           "ward", "rejected"}),
]


@pytest.mark.parametrize(("query", "expected"), SEARCHES)
def test_each_filter_alone_and_combined_finds_exactly_its_stories(stories, make_account, auth, query, expected):
    client = signed_in(make_account, auth, "both@example.org", roles=[("icu", "coordinator"),
                                                                      ("ward", "coordinator")])
    wanted = {stories[name] for name in expected}
    assert found_ids(client, query) == wanted
    assert csv_ids(client, query) == wanted


@pytest.mark.parametrize("words", ["élodie", "elodie", "ELODIE", "Élodie", "ÉLODIE", "strasse", "naive"])
def test_story_search_sets_case_and_accents_aside_as_the_name_search_does(app, make_account, auth, words):
    from rcbingo.cards.service import edit

    chicago_roster()
    found = write(story="Élodie explained the Straße protocol twice.")
    other = write(story="Phil checked the dose.")
    coordinator = make_account("both@example.org", roles=[("icu", "coordinator")])
    edit(other, practice="A naïve question welcomed", story=other.story, actor=coordinator)  # edited text too
    auth.sign_in("both@example.org")
    client = auth.client
    expected = {other.id} if words == "naive" else {found.id}
    assert found_ids(client, f"words={words}") == expected
    assert csv_ids(client, f"words={words}") == expected


@pytest.mark.parametrize("words", ["josé", "JOSE", "Jose Núñez", "nunez"])
def test_story_search_finds_a_card_by_the_name_of_a_person_it_recognises(app, roster, make_account, auth, words):
    from rcbingo.cards.service import edit

    found = write(nominees=(Entry("José Núñez", "pharmacists", "icu"),), story="Stayed late for the handover.")
    write(story="Phil checked the dose.")
    coordinator = make_account("both@example.org", roles=[("icu", "coordinator")])
    edit(found, practice="", story="Stayed for the handover.", actor=coordinator)  # the names stay found
    auth.sign_in("both@example.org")
    assert found_ids(auth.client, f"words={words}") == {found.id}
    assert found_ids(auth.client, "words=Nora") == set()  # the writer's name is not searched (editors may not see it)


def test_a_coordinator_searches_only_their_own_units(stories, make_account, auth):
    client = signed_in(make_account, auth, "ward@example.org", roles=[("ward", "coordinator")])
    assert found_ids(client, "") == {stories["ward"]}
    assert found_ids(client, "unit=icu") == {stories["ward"]}  # a unit not theirs is no filter, and no way in
    assert csv_ids(client, "unit=icu") == {stories["ward"]}
    assert "Intensive Care" not in client.get("/stories").get_data(as_text=True)


def test_an_editor_finds_only_stories_that_may_be_shared(stories, make_account, auth):
    client = signed_in(make_account, auth, "ed@example.org", roles=[("icu", "editor")])
    assert csv_ids(client, "") == {stories["dose"]}
    html = client.get("/stories").get_data(as_text=True)
    assert "Phil caught a 50% dose error." in html and "Alvarez" not in html and "/review/" not in html


def test_results_come_25_to_a_page_and_the_csv_holds_them_all(app, make_account, auth):
    chicago_roster()
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    written = [write(story=f"Story number {n}.", at=day(1) + timedelta(minutes=n)).id for n in range(27)]
    client = signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    first = client.get("/stories?words=number").get_data(as_text=True)
    assert "27 stories" in first and "Page 1 of 2" in first and "page=2" in first
    page_one = {int(n) for n in re.findall(r'href="/u/icu/review/(\d+)"', first)}
    second = client.get("/stories?words=number&page=2").get_data(as_text=True)
    page_two = {int(n) for n in re.findall(r'href="/u/icu/review/(\d+)"', second)}
    assert len(page_one) == 25 and page_two == set(written[:2])  # newest first
    assert csv_ids(client, "words=number") == set(written)


def test_the_csv_neutralises_formulas_and_the_search_words_stay_out_of_the_log(app, make_account, auth):
    from rcbingo.logs import mask

    chicago_roster()
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    write(story="=HYPERLINK(\"http://evil.example\") called back")
    client = signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    [row] = list(csv.reader(io.StringIO(client.get("/stories.csv?words=called").get_data(as_text=True))))[1:]
    assert row[11].startswith("'=")
    logged = mask("GET /stories?unit=icu&words=Mr+Alvarez HTTP/1.1", [])
    assert logged == "GET /stories?unit=icu&words=[hidden] HTTP/1.1"


def test_the_stories_page_is_in_the_navigation(app, roster, make_account, auth):
    client = signed_in(make_account, auth, "icu@example.org", roles=[("icu", "coordinator")])
    html = client.get("/manage").get_data(as_text=True)
    assert 'href="/stories"' in html
