"""Patient details caught at Send: the writer sees what the screen marked, in place, and chooses: remove them and
send, edit the card, or send it as it is for review. Nothing typed is lost; nothing marked is said back."""

import re

import pytest
from sqlalchemy import select

from rcbingo.cards import rules
from rcbingo.cards.models import Card, CardStatus
from rcbingo.extensions import db
from rcbingo.privacy.kinds import KINDS
from rcbingo.privacy.redact import PLACEHOLDERS, name_without, replaced
from rcbingo.privacy.screen import screen, screen_name

from .conftest import fresh

ROOM_STORY = "Phil sat with Mrs. Okonkwo in room 12 until her son arrived."


def draft(story=ROOM_STORY, practice="", nominees=("Phil Pharma",), nominator="Nora Nurse"):
    return rules.Draft(nominator=rules.Entry(nominator, "nurses", "icu"),
                       nominees=tuple(rules.Entry(name, "pharmacists" if name else "", "icu") for name in nominees),
                       dimensions=frozenset({"timely"}), practice=practice, story=story)


def found(card: rules.Draft) -> dict:
    named = [n.name.strip() for n in card.named]
    return {"nominator": screen_name(card.nominator.name.strip()),
            **{f"nominees.{at}": screen_name(name) for at, name in enumerate(named)},
            "practice": screen(card.practice.strip()), "story": screen(card.story.strip())}


# --- The rules: which spans, what placeholder (no HTTP) ---

def test_each_marked_span_of_a_story_becomes_its_kinds_placeholder_and_nothing_else_changes():
    story = "Ana helped the patient in room 12 with MRN 4455667 on 3/4/2024, Mrs. Okonkwo smiled."
    assert replaced(story, screen(story)) == ("Ana helped the patient in [room] with [number] on [date], "
                                              "Mrs. [patient] smiled.")
    assert replaced("Nothing here.", []) == "Nothing here."


def test_every_kind_has_a_placeholder_the_screen_does_not_mark():
    assert set(PLACEHOLDERS) == set(KINDS)
    for placeholder in set(PLACEHOLDERS.values()):
        text = f"Phil sat with {placeholder} in {placeholder} until {placeholder} came."
        assert screen(text) == [], placeholder


@pytest.mark.parametrize(("name", "kept"), [
    ("Delgado (patient in room 12, MRN 4455667)", "Delgado"),
    ("Jane Doe, patient Mr. Alvarez", "Jane Doe"),
    ("John Smith Room 12", "John Smith"),
    ("Rita Shah For Mr Alvarez", "Rita Shah"),
    ("Rita Shah", "Rita Shah"),
])
def test_a_marked_name_keeps_the_colleagues_name_alone(name, kept):
    assert name_without(name, screen_name) == kept


def test_marks_are_given_by_the_cards_own_field_paths_blank_rows_counted():
    card = draft(nominees=("", "John Smith Room 12"), practice="Bed 4 every hour")
    marked = rules.marked_fields(card, found(card))
    assert sorted(marked) == ["nominees.1.name", "practice", "story"]
    assert [f.text for f in marked["story"]] == ["Okonkwo", "room 12"]
    problems = rules.marked_problems(card, found(card))
    assert problems["nominees.1.name"].params == {"words": "“Room 12”"}


def test_removing_the_marks_replaces_exactly_them_and_keeps_every_other_field():
    card = draft(nominees=("", "John Smith Room 12"), practice="Called the family")
    clean = rules.without_marks(card, found(card), str, screen_name)
    assert clean.story == "Phil sat with Mrs. [patient] in [room] until her son arrived."
    assert clean.practice == "Called the family"
    assert [n.name for n in clean.nominees] == ["", "John Smith"]
    assert clean.nominator == card.nominator and clean.dimensions == card.dimensions
    assert not any(found(clean).values())


# --- At the tablet (no JS: plain posts; htmx gets the same screens as fragments) ---

def stored():
    fresh()
    return list(db.session.scalars(select(Card)))


def check_form(page: str) -> dict:
    """The hidden fields of the screen's check, as its buttons send them back."""
    fields = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        fields.setdefault(name, []).append(value.replace("&#39;", "'").replace("&amp;", "&"))
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return {k: v if len(v) > 1 else v[0] for k, v in fields.items()} | {"csrf_token": csrf}


@pytest.fixture
def held(client, roster, card_form):
    """A card with a room number and a patient's name, sent from the tablet: the screen's check it gets."""
    response = client.post("/u/icu/card", data=card_form(story=ROOM_STORY, **{"nominees-0-name": "Phil Pharma"}))
    return response


def test_a_card_with_patient_details_is_not_sent_but_shown_with_them_marked(held):
    page = held.get_data(as_text=True)
    assert held.status_code == 200 and "Check before you send" in page
    assert re.findall(r'<mark class="finding"[^>]*>([^<]+)<', page) == ["Okonkwo", "room 12"]
    for button in ("Remove them and send", "Edit", "Send as it is, for a coordinator to check"):
        assert f">{button}</button>" in page
    assert 'name="csrf_token"' in page
    assert stored() == []


def test_remove_them_and_send_stores_the_card_with_placeholders(client, held):
    fields = check_form(held.get_data(as_text=True))
    assert fields["story"] == ROOM_STORY and fields["dimensions"] == ["timely", "accurate"]
    response = client.post("/u/icu/card", data=fields | {"flagged": "remove"})
    assert "Thank you!" in response.get_data(as_text=True)
    [card] = stored()
    assert card.story == "Phil sat with Mrs. [patient] in [room] until her son arrived."
    assert card.practice == "Checked the dose before it was hung" and card.dimension_keys == {"timely", "accurate"}
    assert not card.flagged and card.status is CardStatus.SUBMITTED  # the unit reviews first; nothing marked


def test_edit_goes_back_to_the_card_with_everything_typed_and_the_marks_said(client, held):
    fields = check_form(held.get_data(as_text=True))
    page = client.post("/u/icu/card", data=fields | {"flagged": "edit"}).get_data(as_text=True)
    assert "Send recognition" in page and ROOM_STORY in page
    assert "May be about a patient: “Okonkwo”, “room 12”" in page
    assert 'value="Phil Pharma"' in page
    assert re.search(r'value="timely" id="dim-timely"[^>]*checked', page)
    assert stored() == []


def test_send_as_is_goes_to_review_only_when_the_writer_chooses(client, held):
    fields = check_form(held.get_data(as_text=True))
    client.post("/u/icu/card", data=fields | {"flagged": "review"})
    [card] = stored()
    assert card.story == ROOM_STORY and card.flagged and card.status is CardStatus.SUBMITTED


def test_a_double_tap_on_remove_stores_one_card(client, held):
    fields = check_form(held.get_data(as_text=True)) | {"flagged": "remove"}
    client.post("/u/icu/card", data=fields)
    again = client.post("/u/icu/card", data=fields)
    assert "Thank you!" in again.get_data(as_text=True)
    assert len(stored()) == 1


def test_a_marked_name_is_shown_in_place_and_removed(client, roster, card_form):
    page = client.post("/u/icu/card", data=card_form(**{"nominees-0-name": "Phil Pharma, patient Mr. Alvarez"}),
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Name of person 1" in page and '<mark class="finding"' in page
    assert "<html" not in page  # htmx: the check alone, in place of the card
    client.post("/u/icu/card", data=check_form(page) | {"flagged": "remove"})
    [card] = stored()
    assert [n.name for n in card.nominees] == ["Phil Pharma"]


def test_the_marked_words_are_shown_as_escaped_text(client, roster, card_form):
    story = "<b>Okonkwo</b> in room 12 <script>alert(1)</script>"
    page = client.post("/u/icu/card", data=card_form(story=story)).get_data(as_text=True)
    assert "Check before you send" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_thank_you_never_says_a_marked_name_back(client, roster, card_form):
    page = client.post("/u/icu/card", data=card_form(**{"nominees-0-name": "Phil Pharma, patient Mr. Alvarez"},
                                                      flagged="review")).get_data(as_text=True)
    assert "Your recognition has been sent to your coordinator for review." in page
    assert "Alvarez" not in page


# --- One tap per marked word, for coordinators (review page) ---

@pytest.fixture
def coordinator(roster, make_account, auth):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    return auth


def held_card(client, card_form, **fields) -> Card:
    client.post("/u/icu/card", data=card_form(flagged="review", **fields))
    [card] = stored()
    return card


def test_each_marked_word_has_a_one_tap_button_with_its_placeholder(client, card_form, coordinator):
    card = held_card(client, card_form, story=ROOM_STORY)
    page = client.get(f"/u/icu/review/{card.id}").get_data(as_text=True)
    assert re.findall(r'name="redact" value="([^"]+)"', page) == ["story:19:26", "story:30:37"]
    assert "Replace “Okonkwo” with [patient]" in page and "Replace “room 12” with [room]" in page


def test_without_js_a_tap_replaces_the_word_in_the_box_and_saves_nothing(client, card_form, coordinator):
    card = held_card(client, card_form, story=ROOM_STORY)
    fields = {"csrf_token": coordinator.csrf(), "story": card.story, "practice": card.practice, "redact": "story:30:37"}
    page = client.post(f"/u/icu/review/{card.id}", data=fields).get_data(as_text=True)
    assert "Phil sat with Mrs. Okonkwo in [room] until her son arrived.</textarea>" in page
    assert re.findall(r'name="redact" value="([^"]+)"', page) == ["story:19:26"]
    fresh()
    assert db.session.get(Card, card.id).story == ROOM_STORY
    stale = client.post(f"/u/icu/review/{card.id}", data=fields | {"redact": "story:1:3"}).get_data(as_text=True)
    assert f"{ROOM_STORY}</textarea>" in stale  # no marked word there: nothing replaced


def test_a_card_held_only_for_its_language_speaks_of_no_marked_words(client, card_form, coordinator):
    story = "Phil ha aiutato la famiglia con grande pazienza durante tutta la notte, come sempre fa lui."
    # The writer cannot fix a language: no check at the tablet, the card goes to review at once.
    assert "Thank you!" in client.post("/u/icu/card", data=card_form(story=story, practice="")).get_data(as_text=True)
    [card] = stored()
    assert card.flagged
    page = client.get(f"/u/icu/review/{card.id}").get_data(as_text=True)
    assert "marked words" not in page and "I read this card: it is not about a patient" in page
    refused = client.post(f"/u/icu/review/{card.id}", data={
        "csrf_token": coordinator.csrf(), "action": "approve", "story": story, "practice": ""})
    assert refused.status_code == 422
    assert "marked words" not in refused.get_data(as_text=True)
    assert "The screen cannot read this card" in refused.get_data(as_text=True)
