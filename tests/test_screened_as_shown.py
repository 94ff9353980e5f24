"""What a public screen shows is what the patient-information screen read: invisible and look-alike characters,
every field of a card, and stories in languages the screen cannot read, through the kiosk, the API, paper cards,
coordinators' edits, roster imports and the command line."""

import json

import pytest
from sqlalchemy import select

from rcbingo.api import service as api
from rcbingo.board import service as board
from rcbingo.cards.models import Card, CardStatus
from rcbingo.extensions import db
from rcbingo.org import accounts
from rcbingo.org.forms import PasswordField
from rcbingo.org.models import Person, Workgroup
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.text import SECRET_FIELDS, normalise

from .conftest import PASSWORD, fresh
from .test_text_rules import A_PHRASE_IN_ANOTHER_SCRIPT, ATTACKS, FOREIGN, IN_CAPITALS

CLEAN_STORY = "Phil called within minutes with the corrected rate."


@pytest.fixture
def at_once(roster):
    """The ICU publishes cards at once (where the screen finds nothing), from any browser, in a running game."""
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    board.create_game(icu, title="Round", start_now=True, workgroup_ids=list(db.session.scalars(select(Workgroup.id))))


def last_card() -> Card:
    fresh()
    return db.session.scalars(select(Card).order_by(Card.id.desc())).first()


def wall_text(client) -> str:
    _display, token = board.create_display(unit_by_key("icu"), "Break room")
    return client.get(f"/wall/{token}").get_data(as_text=True)


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_story_hiding_a_patient_behind_look_alike_characters_is_held(client, at_once, card_form, attack):
    response = client.post("/u/icu/card", data=card_form(
        flagged="review", story=f"Phil sat with {ATTACKS[attack]} all night."))
    assert response.status_code == 200
    card = last_card()
    assert card.status is CardStatus.SUBMITTED and card.flagged, attack
    assert card.story == normalise(card.story)  # stored as screened: no invisible character, one spelling
    assert "all night" not in wall_text(client)


# One story a class of hole the second attack found: each was published at once and seen on the wall.
SECOND_ATTACK = {
    "format characters": "Stayed late with M\ufff9r. Alva\ufff9rez in ro\ufff9om 14 all night.",
    "braille blanks": "Stayed late with the man in room\u280014 all night.",
    "tags chained after flags": "Stayed late " + "".join(
        "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in word) + "\U000e007f" for word in ("alvrez", "room14"))
    + " all night.",
    "small capitals": "Stayed late with the man in \u0280\u1d0f\u1d0f\u1d0d 14 all night.",
    "dingbat digits": "Stayed late with the man in room \u2776\u2779 all night.",
    "fraction slashes": "Stayed late checking the DOB 03\u204414\u20441952 all night.",
    "digits in brackets": "Stayed late with the man in room (14) all night.",
    "spaced digits": "Stayed late fixing MRN: 0 0 4 8 2 9 1 3 all night.",
    "another language": "Stayed late with our patient in chambre 12 all night.",
}


@pytest.mark.parametrize("attack", SECOND_ATTACK)
def test_a_story_hiding_a_patient_in_the_second_attacks_ways_is_held(client, at_once, card_form, attack):
    client.post("/u/icu/card", data=card_form(flagged="review", story=SECOND_ATTACK[attack]))
    card = last_card()
    if attack == "tags chained after flags":  # nothing hidden is left to screen: the tags are gone
        assert card.story == "Stayed late \U0001f3f4\U0001f3f4 all night."
        return
    assert card.status is CardStatus.SUBMITTED and card.flagged, attack
    assert card.story == normalise(card.story)
    assert "all night" not in wall_text(client)


def test_a_clean_story_is_still_published_at_once(client, at_once, card_form):
    client.post("/u/icu/card", data=card_form(
        flagged="review", story=f"{CLEAN_STORY} \U0001f469\U0001f3fd\u200d\u2695\ufe0f"))
    card = last_card()
    assert card.status is CardStatus.PUBLISHED and not card.flagged
    assert card.story.endswith("\U0001f469\U0001f3fd\u200d\u2695\ufe0f")
    assert "corrected rate" in wall_text(client)


@pytest.mark.parametrize("field", ["nominator-name", "nominees-0-name", "practice"])
def test_patient_information_in_any_shown_field_holds_the_card(client, at_once, card_form, field):
    client.post("/u/icu/card", data=card_form(
        flagged="review", **{field: "Delgado (patient in r\u043eom 12, MRN 4455667)"}))
    card = last_card()
    assert card.status is CardStatus.SUBMITTED and card.flagged
    assert "4455667" not in wall_text(client)


@pytest.mark.parametrize("name", ["Rita Shah (patient: Alvarez)", "Rita Shah For Mr Alvarez", "Patient John Smith"])
def test_a_name_field_that_is_not_only_a_colleagues_name_holds_the_card(client, at_once, card_form, name):
    client.post("/u/icu/card", data=card_form(flagged="review", **{"nominees-0-name": name}))
    card = last_card()
    assert card.status is CardStatus.SUBMITTED and card.flagged
    wall = wall_text(client)
    assert "Alvarez" not in wall and "John Smith" not in wall


@pytest.mark.parametrize("story", ["Mr. Pharma, our patient, was scared all night.",
                                   "Mr. Pharma (patient) was scared all night.",
                                   "patient Rita Rehab was scared all night."])
def test_a_patient_who_shares_a_colleagues_name_holds_the_card(client, at_once, card_form, story):
    client.post("/u/icu/card", data=card_form(flagged="review", story=story))
    assert last_card().status is CardStatus.SUBMITTED and last_card().flagged
    assert "scared all night" not in wall_text(client)


def test_a_plain_typed_name_does_not_hold_a_card(client, at_once, card_form):
    client.post("/u/icu/card", data=card_form(flagged="review", **{"nominees-0-name": "Maria Lopez-Garcia",
                                                 "nominator-name": "Nguy\u1ec5n Th\u1ecb Lan"}))
    assert last_card().status is CardStatus.PUBLISHED


def test_the_review_page_says_in_which_name_the_screen_found_something(client, at_once, card_form, make_account,
                                                                        auth):
    client.post("/u/icu/card", data=card_form(
        flagged="review", **{"nominees-0-name": "Delgado (patient in room 12, MRN 4455667)"}))
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    page = client.get(f"/u/icu/review/{last_card().id}").get_data(as_text=True)
    assert "In a colleague’s name:" in page and "MRN 4455667</mark>" in page.replace(
        '<span class="visually-hidden"> (possible medical record number)</span>', "")
    assert "Names cannot be edited here: reject the card" in page


def test_the_review_page_marks_where_a_name_field_stops_being_a_name(client, at_once, card_form, make_account, auth):
    client.post("/u/icu/card", data=card_form(flagged="review", **{"nominees-0-name": "Rita Shah For Mr Alvarez"}))
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    page = client.get(f"/u/icu/review/{last_card().id}").get_data(as_text=True)
    assert "In a colleague’s name:" in page
    assert ('>Mr Alvarez<span class="visually-hidden"> (possible text beyond a colleague&#39;s name)</span></mark>'
            in page)


def test_a_card_held_for_a_name_is_not_approved_by_editing_its_story(client, at_once, card_form, make_account, auth):
    client.post("/u/icu/card", data=card_form(
        flagged="review", **{"nominees-0-name": "Delgado (patient in room 12, MRN 4455667)"}))
    card = last_card()
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    fields = {"csrf_token": auth.csrf(f"/u/icu/review/{card.id}"), "practice": card.practice,
              "story": card.story + " Thanks!", "action": "approve"}
    refused = client.post(f"/u/icu/review/{card.id}", data=fields)
    assert refused.status_code == 422 and "for a name or for its language" in refused.get_data(as_text=True)
    assert last_card().status is CardStatus.SUBMITTED
    assert client.post(f"/u/icu/review/{card.id}", data=fields | {"checked": "y"}).status_code == 302
    assert last_card().status is CardStatus.PUBLISHED


def test_an_api_card_with_look_alike_characters_is_held(client, at_once):
    _token, secret = api.create_token("Intranet", [unit_by_key("icu")], can_write=True, can_export=True, actor=None)
    card = {"nominator": {"name": "Nora Nurse", "workgroup": "nurses", "unit": "icu"},
            "nominees": [{"name": "Phil Pharma", "workgroup": "pharmacists", "unit": "icu"}],
            "dimensions": ["timely"], "practice": "", "story": f"Phil sat with {ATTACKS['zero-width space']}."}
    response = client.post("/api/v1/units/icu/cards", json=card,
                           headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "k1"})
    assert response.status_code in (200, 201)
    stored = last_card()
    assert stored.status is CardStatus.SUBMITTED and "\u200b" not in stored.story


def test_a_coordinators_edit_that_leaves_a_look_alike_patient_keeps_the_card_held(client, at_once, card_form,
                                                                                  make_account, auth):
    client.post("/u/icu/card", data=card_form(flagged="review", story="Phil sat with Mr. Alvarez in room 14."))
    card = last_card()
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    client.post(f"/u/icu/review/{card.id}", data={
        "csrf_token": auth.csrf(f"/u/icu/review/{card.id}"), "action": "save", "practice": "",
        "story": "Phil sat with Mr. \u0391lvarez in r\uff4fom 14."})
    card = last_card()
    assert card.story == "Phil sat with Mr. \u0391lvarez in room 14." and card.flagged


@pytest.mark.parametrize("language", ["French", "Portuguese", "German", "Haitian Creole", "Vietnamese", "Chinese"])
def test_a_story_in_a_language_the_screen_cannot_read_waits_for_review(client, at_once, card_form, make_account,
                                                                       auth, language):
    response = client.post("/u/icu/card", data=card_form(flagged="review", story=FOREIGN[language][0]))
    card = last_card()
    assert card.status is CardStatus.SUBMITTED and card.flagged
    assert "Your card will be checked by a coordinator before it is shown" in response.get_data(as_text=True)
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    page = client.get(f"/u/icu/review/{card.id}").get_data(as_text=True)
    assert "Held: written in a language the screen cannot read:" in page
    queue = client.get("/u/icu/review").get_data(as_text=True)
    assert "Language the screen cannot read:" in queue
    if language == "French":
        assert "cannot read: French" in page and "cannot read: French" in queue


@pytest.mark.parametrize("story", [IN_CAPITALS["French"], IN_CAPITALS["Portuguese"],
                                   *A_PHRASE_IN_ANOTHER_SCRIPT.values()])
def test_a_story_in_capitals_or_with_a_phrase_in_another_script_waits_for_review(client, at_once, card_form, story):
    response = client.post("/u/icu/card", data=card_form(flagged="review", story=story))
    assert last_card().status is CardStatus.SUBMITTED
    assert "Your card will be checked by a coordinator before it is shown" in response.get_data(as_text=True)
    assert story[:12] not in wall_text(client)


def test_a_practice_line_in_another_language_waits_too(client, at_once, card_form):
    client.post("/u/icu/card", data=card_form(flagged="review", practice=FOREIGN["German"][1]))
    assert last_card().status is CardStatus.SUBMITTED


def test_a_short_english_card_is_not_held_for_its_language(client, at_once, card_form):
    client.post("/u/icu/card", data=card_form(flagged="review", story="Thanks Rita!", practice="Great teamwork"))
    assert last_card().status is CardStatus.PUBLISHED


# --- every other way text reaches storage ------------------------------------------------------------------

def test_a_roster_import_stores_names_as_they_look(client, roster, make_account, auth):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    text = "name,workgroup\nGr\u200bace \uff28opper,nurses\n"
    fields = {"csrf_token": auth.csrf("/u/icu/roster/import"), "csv_text": text, "confirm": "yes"}
    assert client.post("/u/icu/roster/import", data=fields).status_code == 302
    fresh()
    assert db.session.scalar(select(Person.name).where(Person.name.like("Gr%"))) == "Grace Hopper"


def test_load_roster_and_the_command_line_store_normalised_text(app, runner, tmp_path):
    path = tmp_path / "roster.json"
    path.write_text(json.dumps({"units": [{"key": "icu", "name": "Intensive\u00adCare"}],
                                "workgroups": [{"key": "nurses", "name": "Nur\u200bses"}],
                                "staff": [{"name": "Ada \uff2covelace", "workgroup": "nurses", "unit": "icu"}]}),
                    encoding="utf-8")
    assert runner.invoke(args=["load-roster", str(path)]).exit_code == 0
    result = runner.invoke(args=["create-admin", "boss@example.org", "--name", "B\u200bo\u2060ss"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    fresh()
    assert db.session.scalar(select(Person.name)) == "Ada Lovelace"
    assert db.session.scalar(select(Workgroup.name)) == "Nurses"
    assert accounts.account_by_email("boss@example.org").name == "Boss"
    scanned = runner.invoke(args=["phi-scan"], input="Sat with J\u200bohn Smith in ro\u200bom 12\n")
    assert json.loads(scanned.output)["flagged"] is True


def test_a_password_is_not_normalised_so_existing_sign_ins_still_work(client, roster, make_account, auth):
    typed = "\uff50\uff41\uff53\uff53 phrase with \ufb01 and soft\u00adhyphen"  # full-width, a ligature, a soft hyphen
    make_account("ada@example.org", roles=[("icu", "coordinator")], password=typed)
    assert auth.sign_in("ada@example.org", typed).status_code == 302
    client.post("/sign-out", data={"csrf_token": auth.csrf()})
    assert auth.sign_in("ada@example.org", normalise(typed)).status_code != 302


def test_every_password_field_is_kept_out_of_normalisation(app):
    from flask_wtf import FlaskForm

    def forms(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    password_fields = {name for form in forms(FlaskForm) for name, field in vars(form).items()
                       if getattr(field, "field_class", None) is PasswordField}
    assert password_fields and password_fields <= SECRET_FIELDS
