"""Units, workgroups and the roster: loading a file, finding people."""

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rcbingo.extensions import db
from rcbingo.org.models import Person, Unit
from rcbingo.org.rules import enrolment_link_state, matching_people, name_index, one_slip_from_start, roster_problems
from rcbingo.org.service import load_roster, organization, search_people, unit_by_key

from .conftest import ROSTER, csrf_from


def test_a_valid_roster_has_no_problems():
    assert roster_problems(ROSTER) == []


def test_roster_problems_name_each_bad_entry():
    bad = copy.deepcopy(ROSTER)
    bad["units"].append({"key": "Bad Key!", "name": "x"})
    bad["workgroups"].append({"key": "nurses", "name": "Nurses again"})
    bad["staff"].append({"name": "Zed", "workgroup": "astronauts", "unit": "icu"})
    bad["staff"].append({"name": "", "workgroup": "nurses", "unit": "icu"})
    bad["units"][0]["timezone"] = "Mars/Olympus"
    assert roster_problems(bad) == [
        "units #1: 'Mars/Olympus' is not a time zone name such as 'America/Chicago'.",
        "units #3: 'key' must be 1-40 lower-case letters, digits or dashes.",
        "workgroups #4: the key 'nurses' appears twice.",
        "staff #5 (Zed): unknown workgroup 'astronauts'.",
        "staff #6: 'name' is missing or longer than 120 characters.",
    ]


def test_a_roster_that_is_not_an_object_is_refused():
    assert roster_problems(["nurses"]) == [
        "The file must hold one JSON object with 'units', 'workgroups' and 'staff'."]


def test_loading_a_roster_twice_creates_nothing_twice(app):
    assert load_roster(ROSTER) == {"units": 2, "workgroups": 3, "staff": 4}
    assert load_roster(ROSTER) == {"units": 0, "workgroups": 0, "staff": 0}
    assert len(db.session.scalars(select(Person)).all()) == 4
    assert organization().program_name == "Ward Connections"


def test_loading_a_roster_again_moves_a_person_to_their_new_workgroup(app, roster):
    changed = copy.deepcopy(ROSTER)
    changed["staff"][1]["workgroup"] = "rehab"
    load_roster(changed)
    ned = db.session.scalar(select(Person).where(Person.name == "Ned Night"))
    assert ned.workgroup.key == "rehab"


def test_without_a_roster_the_program_is_called_rc_bingo(app):
    assert organization().program_name == "RC Bingo"


def test_people_are_found_by_any_part_of_their_name_nearest_unit_first(app, roster):
    icu = unit_by_key("icu")
    assert [p.name for p in search_people("ri", near=icu)] == ["Rita Rehab"]
    assert [p.name for p in search_people("n", near=icu)] == []
    ward = unit_by_key("ward")
    load_roster({**ROSTER, "staff": [*ROSTER["staff"], {"name": "Nia Ward", "workgroup": "nurses", "unit": "ward"}]})
    assert [p.name for p in search_people("ni", near=ward)] == ["Nia Ward", "Ned Night"]
    assert [p.name for p in search_people("ned ni", near=icu)] == ["Ned Night"]


def test_names_are_found_without_their_accents_or_capitals(app, roster):
    load_roster({**ROSTER, "staff": [*ROSTER["staff"], {"name": "José Núñez", "workgroup": "rehab", "unit": "icu"}]})
    icu = unit_by_key("icu")
    for typed in ("jose", "Jose Nunez", "NÚÑ", "núñez", "josé"):
        assert [p.name for p in search_people(typed, near=icu)] == ["José Núñez"], typed


def test_people_of_a_retired_workgroup_are_not_offered_on_a_card(app, roster):
    from rcbingo.org.models import Workgroup
    from rcbingo.org.service import set_workgroup_retired

    set_workgroup_retired(db.session.scalar(select(Workgroup).where(Workgroup.key == "rehab")), True, actor=None)
    assert search_people("ri", near=unit_by_key("icu")) == []  # Rita Rehab: no card may name her workgroup


def test_search_treats_wildcards_as_letters(app, roster):
    assert search_people("%%", near=unit_by_key("icu")) == []
    assert search_people("__", near=unit_by_key("icu")) == []


def test_load_roster_command_reports_problems_and_loads_nothing(runner, tmp_path):
    bad = copy.deepcopy(ROSTER)
    bad["staff"][0]["unit"] = "moon"
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(bad))
    result = runner.invoke(args=["load-roster", str(path)])
    assert result.exit_code != 0
    assert "staff #1 (Nora Nurse): unknown unit 'moon'." in result.output
    assert db.session.scalars(select(Unit)).all() == []


def test_load_roster_command_loads_a_file(runner, tmp_path):
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(ROSTER))
    result = runner.invoke(args=["load-roster", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 new units, 3 new workgroups, 4 new staff" in result.output


def test_load_roster_command_explains_broken_json(runner, tmp_path):
    path = tmp_path / "roster.json"
    path.write_text("{not json")
    result = runner.invoke(args=["load-roster", str(path)])
    assert result.exit_code != 0 and "is not valid JSON" in result.output


def test_seed_demo_gives_a_living_icu_once(runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "new cards" in first.output
    again = runner.invoke(args=["seed-demo"])
    assert "0 new units, 0 new workgroups, 0 new staff, 0 new games, 0 new cards" in again.output
    page = client.get("/").get_data(as_text=True)
    assert "ICU Connections" in page and "Intensive Care Unit" in page


NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("expires", "enrolled", "revoked", "state"), [
    (NOON + timedelta(hours=1), None, None, "waiting"),
    (NOON - timedelta(hours=1), None, None, "expired"),
    (NOON + timedelta(hours=1), NOON, None, "used"),
    (NOON - timedelta(hours=1), NOON - timedelta(hours=2), None, "used"),  # used, then its day ended: still "used"
    (NOON + timedelta(hours=1), NOON, NOON, "revoked"),
    (NOON + timedelta(hours=1), None, NOON, "revoked"),
])
def test_an_enrolment_link_says_what_became_of_it(expires, enrolled, revoked, state):
    assert enrolment_link_state(expires, enrolled, revoked, NOON) == state


def test_a_used_enrolment_link_leads_an_enrolled_tablet_to_its_card_and_tells_others_why(app, client, roster):
    from rcbingo.org import tablets

    _tablet, link = tablets.create_enrolment(unit_by_key("ward"), "Station", None)
    enrolled = client.post(f"/enrol/{link}", data={"csrf_token": csrf_from(client.get(f"/enrol/{link}").get_data(
        as_text=True))})
    assert (enrolled.status_code, enrolled.headers["Location"]) == (303, "/u/ward/card")
    again = client.get(f"/enrol/{link}")  # a refresh, a bookmark, the code scanned twice
    assert (again.status_code, again.headers["Location"]) == (303, "/u/ward/card")
    other = app.test_client().get(f"/enrol/{link}")
    page = other.get_data(as_text=True)
    assert other.status_code == 410 and "Page not found" not in page
    assert "This enrolment link was already used" in page
    assert "Ask a coordinator of Surgical Ward for a new link" in page
    assert "ask a coordinator for a new one" in app.test_client().get("/enrol/no-such-link").get_data(as_text=True)


@pytest.mark.parametrize(("typed", "word", "slip"), [
    ("rossa", "rosa", True),  # one letter too many
    ("phrm", "pharmacists", True),  # one missing
    ("phram", "pharmacists", True),  # two swapped
    ("pjarm", "pharmacists", True),  # one wrong
    ("rosa", "rose", True),
    ("rosa", "rita", False),
    ("phili", "phelps", False),
    ("marai", "maria", True),
    ("roossa", "rosa", False),  # two slips
])
def test_a_slip_of_a_finger_is_one_letter_wrong_missing_extra_or_swapped(typed, word, slip):
    assert one_slip_from_start(typed, word) is slip


STAFF = name_index([(1, "rosa lopez", "nurses"), (2, "phil pharma", "pharmacists"), (3, "paula pill", "pharmacists"),
                    (4, "philippa phelps", "rehabilitation therapists"), (5, "ross reed", "respiratory therapists")])


@pytest.mark.parametrize(("typed", "found"), [
    ("rossa", {1: 1, 5: 1}),  # a slip, when nobody is called Rossa (Rosa, and Ross)
    ("ross", {5: 0}),  # as typed: the slip to Rosa is not offered
    ("pharm", {2: 0, 3: 2}),  # his name, and every pharmacist
    ("pharmacist", {2: 2, 3: 2}),
    ("therap", {4: 2, 5: 2}),
    ("phili", {4: 0}),  # Philippa; not Phil with a letter too many
    ("pharm paula", {3: 2}),  # profession and name together
    ("lopez rosa", {1: 0}),
    ("zed quill", {}),
    ("nu", {}),  # too short for a workgroup
])
def test_the_name_search_forgives_a_slip_and_finds_people_by_profession(typed, found):
    assert matching_people(typed.split(), STAFF) == found


def test_the_name_search_answers_within_a_keystroke_on_a_large_roster():
    import random
    import string
    import time

    rnd = random.Random(21)

    def word():
        return "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 10)))

    workgroups = [f"{word()} {word()}" for _ in range(40)]
    index = name_index([(n, f"{word()} {word()}", rnd.choice(workgroups)) for n in range(20_000)])
    started = time.process_time()  # the CPU it takes (the wall clock of a shared machine says little)
    for typed in ("ro", "ros", "rossa", "rossa lo", "pharm", "pharma", "phil phar"):
        matching_people(typed.split(), index)
    assert (time.process_time() - started) / 7 < 0.05  # each under 50 ms for 20,000 people (some 5 ms, measured)


def test_people_are_found_through_a_slip_or_their_workgroup_nearest_unit_first(app, roster):
    load_roster({**ROSTER, "staff": [*ROSTER["staff"], {"name": "Rosa Lopez", "workgroup": "nurses", "unit": "icu"},
                                     {"name": "Paula Pill", "workgroup": "pharmacists", "unit": "ward"}]})
    icu = unit_by_key("icu")
    assert [p.name for p in search_people("Rossa", near=icu)] == ["Rosa Lopez"]
    assert [p.name for p in search_people("pharm", near=icu)] == ["Phil Pharma", "Paula Pill"]
    assert [p.name for p in search_people("rehab", near=icu)] == ["Rita Rehab"]
    assert search_people("Zed Quill", near=icu) == []
