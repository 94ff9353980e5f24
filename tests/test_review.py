"""Publication and review: what counts, who decides, and what is kept."""

import io
import logging

import pytest
from sqlalchemy import select

from rcbingo.audit.models import AuditEvent
from rcbingo.cards import service
from rcbingo.cards.models import Card, CardStatus, Nominee
from rcbingo.cards.rules import counts, initial_status
from rcbingo.extensions import db
from rcbingo.org import tablets
from rcbingo.org.models import Person, Workgroup
from rcbingo.org.service import merge_workgroups, save_unit_settings, unit_by_key

from .conftest import fresh

PHI_STORY = "Phil sat with Mr. Alvarez in room 14 until his daughter arrived."


def cards() -> list[Card]:
    fresh()
    return list(db.session.scalars(select(Card).order_by(Card.id)))


def published() -> list[Card]:
    fresh()
    return list(db.session.scalars(service.published_cards()))


@pytest.mark.parametrize(("review_first", "flagged", "status"), [
    (True, False, "submitted"), (True, True, "submitted"), (False, True, "submitted"), (False, False, "published"),
])
def test_a_new_card_is_published_at_once_only_when_allowed_and_clean(review_first, flagged, status):
    assert initial_status(review_first, flagged) == status


@pytest.mark.parametrize(("status", "counted"), [
    ("submitted", False), ("published", True), ("rejected", False), ("withdrawn", False)])
def test_only_published_cards_count(status, counted):
    assert counts(status) is counted


def set_review(unit_key, review_first, enrolled=False):
    save_unit_settings(unit_by_key(unit_key), review_first=review_first, require_enrolled_tablets=enrolled, actor=None)


def test_a_unit_that_publishes_at_once_counts_a_clean_card_immediately(client, roster, card_form):
    set_review("icu", False)
    client.post("/u/icu/card", data=card_form(flagged="review"))
    [card] = published()
    assert card.published_at is not None and not card.flagged


def test_a_card_with_patient_information_waits_even_where_cards_publish_at_once(client, roster, card_form):
    set_review("icu", False)
    client.post("/u/icu/card", data=card_form(flagged="review", story=PHI_STORY))
    [card] = cards()
    assert card.status is CardStatus.SUBMITTED and card.flagged
    assert published() == []


def test_a_review_first_unit_holds_every_card(client, roster, card_form):
    set_review("icu", True)
    client.post("/u/icu/card", data=card_form(flagged="review"))
    assert [c.status for c in cards()] == [CardStatus.SUBMITTED]


def test_roster_names_alone_do_not_flag_a_card(client, roster, card_form):
    set_review("icu", False)
    client.post("/u/icu/card", data=card_form(
        flagged="review", story="Phil Pharma and Rita Rehab helped Nora Nurse all night."))
    assert [c.flagged for c in cards()] == [False]


@pytest.fixture
def coordinator(roster, make_account, auth):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    return auth


def test_the_review_page_marks_each_finding(client, card_form, coordinator):
    client.post("/u/icu/card", data=card_form(flagged="review", story=PHI_STORY))
    queue = client.get("/u/icu/review").get_data(as_text=True)
    assert "Possible patient information" in queue
    page = client.get(f"/u/icu/review/{cards()[0].id}").get_data(as_text=True)
    assert '<mark class="finding" title="patient name">' in page or "Alvarez</mark>" in page.replace(
        '<span class="visually-hidden"> (possible patient name)</span>', "")
    assert "room 14" in page and page.count('<mark class="finding"') >= 2


def test_the_queue_shows_each_story_and_lists_only_a_coordinators_decisions(client, card_form, coordinator):
    set_review("icu", False)
    client.post("/u/icu/card", data=card_form(story="Published at once, nobody decided."))
    set_review("icu", True)
    client.post("/u/icu/card", data=card_form(practice="Brought the pump back", story="Waiting: Phil found it."))
    client.post("/u/icu/card", data=card_form(story="Approved by a coordinator."))
    approved = cards()[2]
    client.post(f"/u/icu/review/{approved.id}", data={
        "csrf_token": coordinator.csrf(), "action": "approve", "story": approved.story, "practice": approved.practice})
    page = client.get("/u/icu/review").get_data(as_text=True)
    waiting, decided = page.split("Latest decisions")
    assert "Brought the pump back" in waiting and "Waiting: Phil found it." in waiting  # triage without opening it
    assert f"/u/icu/review/{approved.id}" in decided
    assert f"/u/icu/review/{cards()[0].id}" not in decided  # the unit published it: no one's decision


def test_a_coordinator_redacts_and_approves_keeping_the_original(client, card_form, coordinator):
    client.post("/u/icu/card", data=card_form(flagged="review", story=PHI_STORY))
    card = cards()[0]
    redacted = "Phil sat with a patient until the family arrived."
    response = client.post(f"/u/icu/review/{card.id}", data={
        "csrf_token": coordinator.csrf(), "action": "approve", "story": redacted, "practice": card.practice})
    assert response.status_code == 302
    [card] = published()
    assert card.story == redacted and not card.flagged
    assert [r.story for r in card.revisions] == [PHI_STORY]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.subject == f"card {card.id}"))]
    assert actions == ["card_edited", "card_approved"]
    assert all(PHI_STORY not in f"{e.detail}{e.subject}" for e in db.session.scalars(select(AuditEvent)))


def test_a_flagged_story_is_not_published_unchanged_by_one_tap(client, card_form, coordinator):
    client.post("/u/icu/card", data=card_form(flagged="review", story=PHI_STORY))
    card = cards()[0]
    fields = {"csrf_token": coordinator.csrf(), "action": "approve", "story": card.story, "practice": card.practice}
    refused = client.post(f"/u/icu/review/{card.id}", data=fields)
    assert refused.status_code == 422 and "tick that you checked" in refused.get_data(as_text=True)
    assert published() == []
    assert client.post(f"/u/icu/review/{card.id}", data=fields | {"checked": "y"}).status_code == 302
    assert [c.story for c in published()] == [PHI_STORY]


@pytest.mark.parametrize("sent_again", [
    lambda story: story + " ", lambda story: "\n" + story + "\n\n",
    lambda story: story.replace("Phil sat", "Phil kindly sat")], ids=["trailing space", "blank lines",
                                                                      "an edit that leaves the marked words"])
def test_a_flagged_story_sent_again_almost_unchanged_needs_the_check(client, card_form, coordinator, sent_again):
    client.post("/u/icu/card", data=card_form(flagged="review", story=PHI_STORY))
    card = cards()[0]
    fields = {"csrf_token": coordinator.csrf(), "action": "approve", "story": sent_again(card.story),
              "practice": card.practice + " "}
    refused = client.post(f"/u/icu/review/{card.id}", data=fields)
    assert refused.status_code == 422 and "tick that you checked" in refused.get_data(as_text=True)
    assert published() == []
    assert client.post(f"/u/icu/review/{card.id}", data=fields | {"checked": "y"}).status_code == 302
    assert [c.story for c in published()] == [sent_again(PHI_STORY).strip()]


def test_a_published_cards_text_edited_to_hold_patient_information_needs_the_check(client, card_form, coordinator):
    set_review("icu", False)
    client.post("/u/icu/card", data=card_form(flagged="review", story="Phil rang back within minutes."))
    [card] = published()
    typed = "Maya stayed with Mr. Alvarez in room 14, MRN 00482913"
    fields = {"csrf_token": coordinator.csrf(), "action": "save", "story": typed, "practice": card.practice}
    refused = client.post(f"/u/icu/review/{card.id}", data=fields)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "tick that you checked" in page
    assert f"{typed}</textarea>" in page  # everything typed is kept
    assert "MRN 00482913<span" in page and "room 14<span" in page  # the typed text's findings, marked
    assert [c.story for c in published()] == ["Phil rang back within minutes."]  # walls and newsletter unchanged
    assert client.post(f"/u/icu/review/{card.id}", data=fields | {"checked": "y"}).status_code == 302
    assert [c.story for c in published()] == [typed]
    clean = {"csrf_token": coordinator.csrf(), "action": "save", "story": "Phil stayed late.", "practice": ""}
    assert client.post(f"/u/icu/review/{card.id}", data=clean).status_code == 302  # a clean edit needs no tick


def test_a_rejection_needs_a_reason_and_counts_for_nothing(client, card_form, coordinator):
    client.post("/u/icu/card", data=card_form(flagged="review"))
    card_id = cards()[0].id
    refused = client.post(f"/u/icu/review/{card_id}", data={
        "csrf_token": coordinator.csrf(), "action": "reject", "story": "x", "reason": ""})
    assert refused.status_code == 422 and "Say briefly why" in refused.get_data(as_text=True)
    client.post(f"/u/icu/review/{card_id}", data={
        "csrf_token": coordinator.csrf(), "action": "reject", "story": "x", "reason": "Duplicate of card 3"})
    [card] = cards()
    assert card.status is CardStatus.REJECTED and card.decision_reason == "Duplicate of card 3"
    assert card.story != "x"  # rejecting does not save an edit


def test_a_published_card_can_be_withdrawn(client, card_form, coordinator):
    set_review("icu", False)
    client.post("/u/icu/card", data=card_form(flagged="review"))
    card_id = published()[0].id
    client.post(f"/u/icu/review/{card_id}", data={
        "csrf_token": coordinator.csrf(), "action": "withdraw", "story": "x", "reason": "Asked by the writer"})
    assert published() == [] and cards()[0].status is CardStatus.WITHDRAWN


def test_an_approved_story_cannot_be_emptied(client, card_form, coordinator):
    client.post("/u/icu/card", data=card_form(flagged="review"))
    card_id = cards()[0].id
    response = client.post(f"/u/icu/review/{card_id}", data={
        "csrf_token": coordinator.csrf(), "action": "approve", "story": "  ", "practice": ""})
    assert response.status_code == 422 and published() == []


def test_a_coordinator_cannot_review_another_units_card(client, card_form, make_account, auth, roster):
    client.post("/u/ward/card", data=card_form(flagged="review", unit="ward", **{"nominator-unit": "ward"}))
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    assert client.get(f"/u/icu/review/{cards()[0].id}").status_code == 404
    assert client.get(f"/u/ward/review/{cards()[0].id}").status_code == 403


def test_a_paper_card_counts_and_is_marked_transcribed(client, card_form, coordinator):
    set_review("icu", True)
    fields = card_form()
    fields.update(csrf_token=coordinator.csrf("/u/icu/paper-card"), written_on="2026-10-02")
    response = client.post("/u/icu/paper-card", data=fields)
    assert response.status_code == 302
    [card] = published()
    assert card.transcribed_by is not None and card.created_at.date().isoformat() == "2026-10-02"


def test_a_paper_card_with_a_problem_is_shown_again(client, card_form, coordinator):
    fields = card_form(flagged="review", story="")
    fields.update(csrf_token=coordinator.csrf("/u/icu/paper-card"))
    response = client.post("/u/icu/paper-card", data=fields)
    assert response.status_code == 422 and "Tell us what happened" in response.get_data(as_text=True)
    assert cards() == []


@pytest.mark.parametrize("written_on", ["2999-01-01", "0001-01-01", "9999-12-31"])
def test_a_paper_card_dated_where_no_card_can_be_is_shown_again_with_why(client, card_form, coordinator,
                                                                         written_on):
    fields = card_form()
    fields.update(csrf_token=coordinator.csrf("/u/icu/paper-card"), written_on=written_on)
    response = client.post("/u/icu/paper-card", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and cards() == []
    assert '<p class="problem" id="written_on-problem">Write the date on the paper card: from 2000 until today.' in page
    assert "Phil called within minutes with the corrected rate.</textarea>" in page


def test_a_paper_card_without_its_submission_id_is_shown_again_with_why(client, card_form, coordinator):
    fields = card_form(flagged="review", submission_id="not-one")
    fields.update(csrf_token=coordinator.csrf("/u/icu/paper-card"))
    response = client.post("/u/icu/paper-card", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and cards() == []
    assert "This form was open for a long time. Check it and save it again." in page
    assert "Phil called within minutes with the corrected rate.</textarea>" in page


def test_no_story_text_reaches_the_application_log(client, card_form, coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/u/icu/card", data=card_form(flagged="review", story=PHI_STORY))
    card_id = cards()[0].id
    client.get(f"/u/icu/review/{card_id}")
    client.post(f"/u/icu/review/{card_id}", data={
        "csrf_token": coordinator.csrf(), "action": "approve", "story": PHI_STORY, "practice": ""})
    assert "Alvarez" not in caplog.text and "room 14" not in caplog.text


def test_roster_pages_add_edit_move_and_retire_a_person(client, coordinator):
    token = coordinator.csrf("/u/icu/roster")
    client.post("/u/icu/roster", data={"csrf_token": token, "name": "Dee Dietitian", "workgroup": "rehab",
                                       "unit": "icu"})
    fresh()
    dee = db.session.scalar(select(Person).where(Person.name == "Dee Dietitian"))
    # Moving someone to a unit this coordinator does not coordinate is refused (tests/test_access.py).
    elsewhere = client.post(f"/u/icu/roster/{dee.id}", data={"csrf_token": token, "name": "Dee Diet",
                                                             "workgroup": "nurses", "unit": "ward"})
    assert elsewhere.status_code == 200 and "Not a valid choice" in elsewhere.get_data(as_text=True)
    client.post(f"/u/icu/roster/{dee.id}", data={"csrf_token": token, "name": "Dee Diet", "workgroup": "nurses",
                                                 "unit": "icu"})
    fresh()
    dee = db.session.get(Person, dee.id)
    assert (dee.name, dee.workgroup.key, dee.unit.key) == ("Dee Diet", "nurses", "icu")
    nora = db.session.scalar(select(Person).where(Person.name == "Nora Nurse"))
    client.post(f"/u/icu/roster/{nora.id}/retire", data={"csrf_token": token, "retire": "yes"})
    fresh()
    assert db.session.get(Person, nora.id).retired_at is not None
    page = client.get("/u/icu/card/people", query_string={"slot": "nominator", "nominator-name": "nora"})
    assert "Nora Nurse" not in page.get_data(as_text=True)


def test_a_person_form_with_an_unknown_workgroup_is_refused(client, coordinator):
    response = client.post("/u/icu/roster", data={"csrf_token": coordinator.csrf("/u/icu/roster"),
                                                  "name": "X", "workgroup": "astronauts", "unit": "icu"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)


def test_a_roster_csv_is_previewed_with_each_rows_problems_before_anything_is_saved(client, coordinator):
    token = coordinator.csrf("/u/icu/roster/import")
    bad = "name,workgroup\nAl Able,Nurses\n,rehab\nBo Bee,astronauts\n"
    page = client.post("/u/icu/roster/import", data={"csrf_token": token, "file": (io.BytesIO(bad.encode()),
                                                                                    "r.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "2 of 3 rows need fixing" in page and "The name is missing." in page and "Unknown workgroup" in page
    fresh()
    assert db.session.scalar(select(Person).where(Person.name == "Al Able")) is None
    good = "name,workgroup\nAl Able,Nurses\nBo Bee,rehab\n"
    preview = client.post("/u/icu/roster/import", data={"csrf_token": token, "file": (io.BytesIO(good.encode()),
                                                                                       "r.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "All 2 rows are fine" in preview
    client.post("/u/icu/roster/import", data={"csrf_token": token, "csv_text": good, "confirm": "yes"})
    fresh()
    assert db.session.scalar(select(Person).where(Person.name == "Bo Bee")).workgroup.key == "rehab"


@pytest.mark.parametrize("csv_text", [
    "name,workgroup\nAl Able,Nurses\n" + "x" * 140_000 + ",rehab\n",
    'name,workgroup\nAl Able,Nurses\n"Bo Bee' + "y" * 140_000 + ",rehab\n",
    "name," + "w" * 140_000 + "\nAl Able,Nurses\n"], ids=["long field", "unclosed quote", "long header"])
def test_a_roster_csv_the_csv_module_cannot_read_is_shown_with_why(client, coordinator, csv_text):
    token = coordinator.csrf("/u/icu/roster/import")
    response = client.post("/u/icu/roster/import", data={"csrf_token": token, "file": (
        io.BytesIO(csv_text.encode()), "r.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "cannot be read: a field is far too long" in page or "The first line must name the columns" in page
    client.post("/u/icu/roster/import", data={"csrf_token": token, "csv_text": csv_text, "confirm": "yes"})
    fresh()
    assert db.session.scalar(select(Person).where(Person.name == "Al Able")) is None


def test_merging_workgroups_moves_people_and_credit(client, roster, card_form, make_account):
    client.post("/u/icu/card", data=card_form(flagged="review"))
    pharmacists = db.session.scalar(select(Workgroup).where(Workgroup.key == "pharmacists"))
    rehab = db.session.scalar(select(Workgroup).where(Workgroup.key == "rehab"))
    admin = make_account("admin@example.org", is_admin=True)
    merge_workgroups(pharmacists, rehab, actor=admin)
    fresh()
    assert db.session.scalar(select(Nominee)).workgroup.key == "rehab"
    assert db.session.scalar(select(Person).where(Person.name == "Phil Pharma")).workgroup.key == "rehab"
    assert db.session.get(Workgroup, pharmacists.id).retired_at is not None


def test_an_enrolled_tablet_writes_cards_and_others_are_turned_away(app, client, roster, card_form, coordinator):
    token = coordinator.csrf("/u/icu/tablets")
    page = client.post("/u/icu/tablets", data={"csrf_token": token, "name": "Nurses' station"}).get_data(
        as_text=True)
    link = page.split('<code class="link">')[1].split("<")[0]
    assert 'src="data:image/svg+xml' in page
    set_review("icu", True, enrolled=True)
    tablet = app.test_client()
    assert tablet.get("/u/icu/card").status_code == 403
    enrol_page = tablet.get(link)
    assert enrol_page.status_code == 200 and "Nurses&#39; station" in enrol_page.get_data(as_text=True)
    from .conftest import csrf_from

    done = tablet.post(link, data={"csrf_token": csrf_from(enrol_page.get_data(as_text=True))})
    assert done.status_code == 303 and done.headers["Location"] == "/u/icu/card"
    assert tablets.COOKIE in done.headers["Set-Cookie"] and "HttpOnly" in done.headers["Set-Cookie"]
    assert tablet.get("/u/icu/card").status_code == 200
    assert tablet.get(link).headers["Location"] == "/u/icu/card"  # opened again on the tablet: its card
    used = app.test_client().get(link)  # the link works once
    assert used.status_code == 410 and "This enrolment link was already used" in used.get_data(as_text=True)
    assert tablet.get("/u/ward/card").status_code == 200  # the ward does not require enrolment
    fresh()
    from rcbingo.org.models import Tablet

    enrolled = db.session.scalar(select(Tablet))
    client.post(f"/u/icu/tablets/{enrolled.id}/revoke", data={"csrf_token": token})
    assert tablet.get("/u/icu/card").status_code == 403


def test_the_kiosk_never_shows_a_sign_in_form(client, roster):
    set_review("icu", True, enrolled=True)
    for url in ["/u/icu/card", "/u/ward/card"]:
        page = client.get(url).get_data(as_text=True)
        assert 'type="password"' not in page and "/sign-in" not in page


def test_unit_settings_are_saved_and_audited(client, coordinator):
    client.post("/u/icu/settings", data={"csrf_token": coordinator.csrf("/u/icu/settings"),
                                         "review_first": "publish", "require_enrolled_tablets": "y"})
    fresh()
    icu = unit_by_key("icu")
    assert (icu.review_first, icu.require_enrolled_tablets) == (False, True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit_settings")) is not None


def test_phi_scan_reads_stories_and_writes_one_json_object_each(runner, roster):
    import json

    stories = "Nora Nurse and Phil Pharma covered the night.\nPhil called Mrs. Alvarez at 406-555-0182.\n"
    result = runner.invoke(args=["phi-scan"], input=stories)
    assert result.exit_code == 0, result.output
    clean, flagged = (json.loads(line) for line in result.output.splitlines())
    assert clean == {"flagged": False, "findings": []}
    assert flagged["flagged"] is True
    kinds = {f["kind"]: f for f in flagged["findings"]}
    assert {"patient_name", "phone"} <= set(kinds)
    line = stories.splitlines()[1]
    assert all(line[f["start"]:f["end"]] == f["text"] for f in flagged["findings"])


def test_an_admin_renames_and_retires_a_workgroup_and_a_coordinator_may_only_add(client, roster, make_account, auth):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    client.post("/workgroups", data={"csrf_token": auth.csrf("/workgroups"), "name": "Social workers"})
    fresh()
    social = db.session.scalar(select(Workgroup).where(Workgroup.name == "Social workers"))
    assert social.key == "social-workers"
    assert client.get(f"/workgroups/{social.id}").status_code == 403
    make_account("admin@example.org", is_admin=True)
    assert auth.sign_in("admin@example.org").status_code == 302
    token = auth.csrf(f"/workgroups/{social.id}")
    renamed = client.post(f"/workgroups/{social.id}", data={"csrf_token": token, "action": "rename",
                                                           "name": "Social work"})
    assert renamed.status_code == 302, renamed.get_data(as_text=True)
    client.post(f"/workgroups/{social.id}", data={"csrf_token": token, "action": "retire"}, follow_redirects=True)
    fresh()
    social = db.session.get(Workgroup, social.id)
    assert social.name == "Social work" and social.retired_at is not None
    assert "Social work" not in client.get("/u/icu/card").get_data(as_text=True)
