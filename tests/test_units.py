"""Administrators add and rename units in the app: names checked like every text, links that never break."""

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from rcbingo.board import service as board
from rcbingo.extensions import db
from rcbingo.org.models import Unit
from rcbingo.org.rules import unique_key, unit_name_problem
from rcbingo.org.service import NotAllowed, add_unit, unit_by_key

from .browser import serious_accessibility_violations
from .conftest import PASSWORD, fresh


@pytest.mark.parametrize(("name", "others", "refused"), [
    ("Oncology", ["Intensive Care"], False),
    ("intensive CARE", ["Intensive Care"], True),
    ("Intensive Care", ["Intensive  Care "], True),
    ("STRASSE", ["straße"], True),  # folded, not merely lower-cased
    ("", [], True),
    ("x" * 121, [], True),
    ("x" * 120, [], False),
])
def test_a_unit_name_must_be_there_fit_and_differ_from_the_others_in_more_than_case(name, others, refused):
    assert (unit_name_problem(name, others) is not None) is refused


def test_a_new_units_key_is_numbered_past_the_keys_taken():
    assert unique_key("Intensive Care", set(), "unit") == "intensive-care"
    assert unique_key("Intensive Care", {"intensive-care"}, "unit") == "intensive-care-2"
    assert unique_key("Urgences pédiatriques", set(), "unit") == "urgences-p-diatriques"
    assert unique_key("病棟", set(), "unit") == "unit"


def test_only_administrators_add_units(roster, make_account):
    coordinator = make_account(roles=[("icu", "coordinator")])
    with pytest.raises(NotAllowed):
        add_unit("Oncology", actor=coordinator)


def _admin(client, auth, make_account):
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    return auth.csrf("/admin/units")


def test_an_added_unit_gets_a_card_at_once_and_a_taken_name_is_refused_with_the_text_kept(
        client, auth, roster, make_account):
    token = _admin(client, auth, make_account)
    added = client.post("/admin/units", data={"csrf_token": token, "name": "  Oncology   Day\u200b Unit "})
    assert added.status_code == 302
    unit = unit_by_key("oncology-day-unit")
    assert unit.name == "Oncology Day Unit"  # the form layer's normalisation, then spaces collapsed
    assert "Oncology Day Unit" in client.get("/").text
    assert client.get("/u/oncology-day-unit/card").status_code == 200

    refused = client.post("/admin/units", data={"csrf_token": token, "name": "oncology day UNIT"})
    assert refused.status_code == 422
    assert "Another unit already has this name" in refused.text
    assert 'value="oncology day UNIT"' in refused.text
    fresh()
    assert len(db.session.scalars(select(Unit)).all()) == 3


def test_a_renamed_unit_keeps_its_links_and_every_page_shows_the_new_name(client, auth, roster, make_account):
    icu = unit_by_key("icu")
    _display, wall_token = board.create_display(icu, "Break room")
    token = _admin(client, auth, make_account)
    too_long = client.post(f"/admin/units/{icu.id}", data={"csrf_token": token, "name": "Y" * 121})
    assert too_long.status_code == 422 and "Y" * 121 in too_long.text
    taken = client.post(f"/admin/units/{icu.id}", data={"csrf_token": token, "name": "SURGICAL WARD"})
    assert taken.status_code == 422

    assert client.post(f"/admin/units/{icu.id}", data={"csrf_token": token, "name": "Critical Care"}).status_code == 302
    fresh()
    assert unit_by_key("icu").name == "Critical Care"
    assert "Critical Care" in client.get("/u/icu/card").text
    assert "Critical Care" in client.get(f"/wall/{wall_token}").text
    assert "Intensive Care" not in client.get("/").text


def test_an_administrator_adds_and_renames_a_unit_at_a_persons_pace(tablet, roster, make_account):
    make_account("admin@example.org", is_admin=True)
    page = tablet
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/sign-in")
    page.get_by_label("Email").press_sequentially("admin@example.org", delay=50)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Units", exact=True).last.click()  # the Organization panel's button

    page.get_by_label("Unit name").press_sequentially("surgical ward", delay=250)
    page.get_by_role("button", name="Add unit").click()
    expect(page.get_by_text("Another unit already has this name")).to_be_visible()
    name = page.get_by_label("Unit name")
    expect(name).to_have_value("surgical ward")  # nothing typed is lost
    name.fill("")
    name.press_sequentially("Oncology", delay=250)
    page.get_by_role("button", name="Add unit").click()
    expect(page.get_by_text("Added the unit Oncology")).to_be_visible()
    expect(page.locator("code", has_text="/u/oncology")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Rename Oncology").click()
    expect(page.get_by_text("Its link stays /u/oncology")).to_be_visible()
    page.get_by_label("Unit name").fill("")
    page.get_by_label("Unit name").press_sequentially("Oncology Day Unit", delay=250)
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("Renamed to Oncology Day Unit.")).to_be_visible()
    page.goto("/u/oncology/card")
    expect(page.get_by_text("Oncology Day Unit").first).to_be_visible()


def test_administrators_adding_one_name_at_once_make_one_unit_and_the_rest_are_told(app, roster):
    """Six at the same instant, "Burn Unit" and "burn unit": one unit, and the others refused in words (on PostgreSQL
    both passed the name check, or the key's uniqueness answered 500)."""
    from rcbingo.org.service import UnitNameTaken

    answers, barrier = [], threading.Barrier(6)

    def add(name):
        with app.app_context():
            try:
                barrier.wait()
                add_unit(name, actor=None)
                answers.append("added")
            except UnitNameTaken:
                answers.append("taken")
            except Exception as failure:  # what a request would have answered 500 for
                answers.append(repr(failure))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=add, args=(name,)) for name in ["Burn Unit", "burn unit"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["added"] + ["taken"] * 5
    fresh()
    assert len([u for u in db.session.scalars(select(Unit)) if u.name.lower() == "burn unit"]) == 1
