"""The kiosk card over HTTP: stored once, refused with everything kept, protected."""

import re
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from rcbingo.cards.models import Card, CardStatus
from rcbingo.extensions import db

from .conftest import filled_card, fresh

HTMX = {"HX-Request": "true"}


def stored_cards() -> list[Card]:
    fresh()  # a fresh look: requests commit in their own sessions
    return list(db.session.scalars(select(Card).order_by(Card.id)))


def test_home_links_each_unit_to_its_card(client, roster):
    page = client.get("/").get_data(as_text=True)
    assert page.count("Recognise a colleague") == 2
    assert 'href="/u/icu/card"' in page and 'href="/u/ward/card"' in page


def test_card_page_shows_the_cards_labels(client, roster):
    page = client.get("/u/icu/card").get_data(as_text=True)
    for label in ["Your name", "Your workgroup", "Your unit", "Name", "Workgroup", "Unit",
                  "Shared Goals", "Shared Knowledge", "Mutual Respect", "Frequent", "Timely", "Accurate",
                  "Problem Solving", "Which practice impressed you most", "Your story", "Relationships",
                  "Communication", "Tell us about your Ward Connections experience"]:
        assert f">{label}<" in page or label in page, label


def test_a_valid_card_is_stored_as_submitted(client, roster, card_form):
    response = client.post("/u/icu/card", data=card_form(), headers=HTMX)
    assert response.status_code == 200
    assert "Thank you!" in response.get_data(as_text=True)
    [card] = stored_cards()
    assert card.status is CardStatus.SUBMITTED
    assert card.unit.key == "icu"
    assert card.nominator_workgroup.key == "nurses"
    assert [(n.name, n.workgroup.key) for n in card.nominees] == [("Phil Pharma", "pharmacists")]
    assert card.dimension_keys == {"timely", "accurate"}
    assert card.nominator_person is not None and card.nominees[0].person is not None
    assert card.consent_publish and card.show_nominator_name


def test_a_typed_name_not_on_the_roster_is_kept_as_written(client, roster, card_form):
    client.post("/u/icu/card", data=card_form(**{"nominees-0-name": "Visiting Pharmacist"}))
    [card] = stored_cards()
    assert card.nominees[0].name == "Visiting Pharmacist"
    assert card.nominees[0].person is None


def test_consent_choices_are_stored(client, roster, card_form):
    client.post("/u/icu/card", data=card_form(consent_publish="no", show_nominator_name="no"))
    [card] = stored_cards()
    assert not card.consent_publish and not card.show_nominator_name


def test_a_card_posted_twice_with_one_submission_id_is_stored_once(client, roster, card_form):
    fields = card_form()
    first = client.post("/u/icu/card", data=fields, headers=HTMX)
    again = client.post("/u/icu/card", data=fields, headers=HTMX)
    assert first.status_code == again.status_code == 200
    assert "Thank you!" in again.get_data(as_text=True)
    assert len(stored_cards()) == 1


def test_a_double_tap_at_the_same_instant_is_stored_once(app, roster, card_form):
    fields = card_form()
    results = []
    barrier = threading.Barrier(4)

    def send():
        client = app.test_client()
        with client.session_transaction() as session:
            session["csrf_token"] = csrf_secret
        barrier.wait()
        results.append(client.post("/u/icu/card", data=fields).status_code)

    csrf_secret = _csrf_secret(app, fields)
    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4
    assert len(stored_cards()) == 1


def test_several_tablets_writing_at_once_all_get_their_cards_stored(app, roster, card_form):
    forms = [card_form(story=f"Story number {n}") for n in range(6)]
    secret = _csrf_secret(app, forms[0])
    barrier = threading.Barrier(len(forms))
    results = []

    def send(fields):
        client = app.test_client()
        with client.session_transaction() as session:
            session["csrf_token"] = secret
        barrier.wait()
        results.append(client.post("/u/icu/card", data=fields).status_code)

    threads = [threading.Thread(target=send, args=(f,)) for f in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * len(forms)
    assert sorted(c.story for c in stored_cards()) == sorted(f["story"] for f in forms)


def _csrf_secret(app, fields) -> str:
    """The session secret behind the card's CSRF token, so other clients may send the same form."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(fields["csrf_token"])


def test_a_same_workgroup_card_is_refused_with_everything_kept(client, roster, card_form):
    story = "Ned <b>stayed</b> late & helped with the turn."
    fields = card_form(**{"nominees-0-name": "Ned Night", "nominees-0-workgroup": "nurses"}, story=story)
    response = client.post("/u/icu/card", data=fields, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Recognition goes to another profession" in page
    assert "Ned &lt;b&gt;stayed&lt;/b&gt; late &amp; helped with the turn.</textarea>" in page
    assert 'value="Ned Night"' in page and 'value="Checked the dose before it was hung"' in page
    assert re.search(r'<option selected value="nurses">|<option value="nurses" selected>', page)
    assert 'value="timely" id="dim-timely"' in page and page.count("checked") >= 4
    assert fields["submission_id"] in page
    assert stored_cards() == []


def test_a_post_of_thousands_of_blank_rows_is_answered_as_a_card(client, roster, card_form):
    """The card cannot make more than a hundred rows: a post of thousands (an attack on a kiosk) is read as the card
    it holds, not drawn back row by row (which kept a worker busy for seconds and made a page of megabytes)."""
    rows = {f"nominees-{n}-name": "" for n in range(1, 9000)}  # (under the 256 KB a post may have)
    refused = client.post("/u/icu/card", data=card_form(dimensions=[], **rows), headers=HTMX)
    assert refused.status_code == 422 and "Tick at least one thing they showed." in refused.get_data(as_text=True)
    assert refused.get_data(as_text=True).count('name="nominees-') <= 3 * 100 and len(refused.data) < 1_000_000
    stored = client.post("/u/icu/card", data=card_form(**rows), headers=HTMX)
    assert stored.status_code == 200 and [card.nominees[0].name for card in stored_cards()] == ["Phil Pharma"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"dimensions": []}, "dimensions", "Tick at least one thing they showed."),
    ({"story": "   "}, "story", "Tell us what happened"),
    ({"story": "x" * 1501}, "story", "Please shorten this to 1500 characters (it has 1501)."),
    ({"nominator-workgroup": "astronauts"}, "nominator-workgroup", "Choose your workgroup from the list."),
    ({"nominees-0-unit": "moon"}, "nominees-0-unit", "Choose a unit from the list."),
    ({"nominees-0-name": "", "nominees-0-workgroup": ""}, "nominees", "Add the colleague you want to recognise."),
])
def test_each_refusal_is_shown_beside_its_field(client, roster, card_form, change, field, message):
    response = client.post("/u/icu/card", data=card_form(**change), headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'<p class="problem" id="{field}-problem">[^<]*{re.escape(message)}', page)
    assert stored_cards() == []


def test_a_post_without_the_csrf_token_stores_nothing(client, roster, card_form):
    response = client.post("/u/icu/card", data=card_form(csrf_token=None), headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Check it and tap Send again" in page
    assert "Phil called within minutes with the corrected rate.</textarea>" in page
    assert stored_cards() == []


def test_a_post_with_another_sessions_token_stores_nothing(app, roster, card_form):
    fields = card_form()
    stranger = app.test_client()
    assert stranger.post("/u/icu/card", data=fields).status_code == 400
    assert stored_cards() == []


def test_a_card_for_an_unknown_unit_is_not_found(client, roster, card_form):
    assert client.get("/u/nowhere/card").status_code == 404
    assert client.post("/u/nowhere/card", data=card_form()).status_code == 404
    assert stored_cards() == []


def test_a_missing_submission_id_gets_a_new_one_and_stores_nothing(client, roster, card_form):
    response = client.post("/u/icu/card", data=card_form(submission_id="../../etc"), headers=HTMX)
    assert response.status_code == 400
    assert re.search(r'name="submission_id" type="hidden" value="[0-9a-f]{32}"', response.get_data(as_text=True))
    assert stored_cards() == []


def test_every_page_sends_the_security_headers(client, roster):
    for url in ["/", "/u/icu/card", "/nowhere"]:
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"


def test_the_card_page_keeps_nothing_for_the_next_person(client, roster):
    page = client.get("/u/icu/card").get_data(as_text=True)
    assert 'hx-history="false"' in page
    assert re.search(r'<form id="card"[^>]*autocomplete="off"', page)
    assert "<script>" not in page and "style=" not in page


def test_each_blank_card_has_a_new_submission_id(client, roster):
    ids = {re.search(r'name="submission_id" type="hidden" value="([^"]+)"', client.get("/u/icu/card").get_data(
        as_text=True)).group(1) for _ in range(3)}
    assert len(ids) == 3


def test_htmx_gets_the_card_alone(client, roster):
    page = client.get("/u/icu/card", headers=HTMX).get_data(as_text=True)
    assert page.lstrip().startswith("<form")


def test_typing_a_name_suggests_people_from_the_roster(client, roster):
    page = client.get("/u/icu/card/people", query_string={"slot": "nominees-0", "nominees-0-name": "ph"},
                      headers=HTMX).get_data(as_text=True)
    assert "Phil Pharma" in page and "Pharmacists" in page
    assert "Nora Nurse" not in page


def test_one_letter_suggests_nobody(client, roster):
    page = client.get("/u/icu/card/people", query_string={"slot": "nominator", "nominator-name": "n"})
    assert page.get_data(as_text=True).strip() == ""


def test_picking_a_suggestion_fills_the_persons_row(client, roster):
    fresh()
    from rcbingo.org.models import Person

    rita = db.session.scalar(select(Person).where(Person.name == "Rita Rehab"))
    page = client.get("/u/icu/card/person", query_string={"slot": "nominees-2", "person": rita.id}).get_data(
        as_text=True)
    assert 'name="nominees-2-name"' in page and 'value="Rita Rehab"' in page
    assert re.search(r'<option selected value="rehab">|<option value="rehab" selected>', page)
    assert re.search(r'<option selected value="ward">|<option value="ward" selected>', page)


def test_adding_a_person_sends_a_blank_row_and_the_next_add_button(client, roster):
    page = client.get("/u/icu/card/person", query_string={"slot": "nominees-1", "add": "1"}).get_data(as_text=True)
    assert 'name="nominees-1-name"' in page and 'id="nominees-1"' in page
    assert 'hx-swap-oob="true"' in page and "slot=nominees-2" in page


def test_a_made_up_slot_is_refused(client, roster):
    assert client.get("/u/icu/card/person", query_string={"slot": "csrf_token"}).status_code == 400


def test_a_card_with_added_people_is_stored_with_all_of_them(client, roster, card_form):
    fields = card_form(**{"nominees-3-name": "Rita Rehab", "nominees-3-workgroup": "rehab",
                          "nominees-3-unit": "ward"})
    client.post("/u/icu/card", data=fields)
    [card] = stored_cards()
    assert [(n.name, n.unit.key) for n in card.nominees] == [("Phil Pharma", "icu"), ("Rita Rehab", "ward")]


def test_cards_count_is_unchanged_by_refusals_and_repeats(client, roster, card_form):
    fields = card_form()
    client.post("/u/icu/card", data=card_form(story=""))
    client.post("/u/icu/card", data=fields)
    client.post("/u/icu/card", data=fields)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Card)) == 1


def test_behind_a_tls_proxy_the_session_cookie_is_secure(database_uri, roster):
    from .conftest import _make_app

    proxied = _make_app(database_uri, PROXY_HOPS=1)
    response = proxied.test_client().get("/u/icu/card", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    plain = proxied.test_client().get("/u/icu/card")
    assert "Secure" not in plain.headers["Set-Cookie"]


PATIENT_STORY = "Phil sat with Mr. Alvarez in room 14 until his daughter arrived."


@pytest.mark.parametrize(("review_first", "story", "status", "says", "never_says"), [
    (False, "Phil called within minutes with the corrected rate.", CardStatus.PUBLISHED,
     ["Your recognition of Phil Pharma is on the board."], ["review"]),
    (True, "Phil called within minutes with the corrected rate.", CardStatus.SUBMITTED,
     ["has been sent to your coordinator for review.", "It goes on the board once a coordinator approves it."],
     ["is on the board.", "patient"]),
    (False, PATIENT_STORY, CardStatus.SUBMITTED,
     ["has been sent to your coordinator for review.", "may mention a patient"],
     ["is on the board.", "Alvarez", "room 14"]),
], ids=["publish-at-once", "review-first", "held-for-patient-information"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_thank_you_says_what_happens_next_without_the_story(client, roster, card_form, review_first, story,
                                                                  status, says, never_says, headers):
    from rcbingo.org.service import save_unit_settings, unit_by_key

    save_unit_settings(unit_by_key("icu"), review_first=review_first, require_enrolled_tablets=False, actor=None)
    response = client.post("/u/icu/card", data=card_form(story=story), headers=headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for words in says:
        assert words in page, words
    for words in never_says:
        assert words not in page, words
    # The next person at the shared tablet sees neither the story nor the practice line.
    assert story not in page and "Checked the dose" not in page
    [card] = stored_cards()
    assert card.status is status


@pytest.mark.parametrize("at_the_same_instant", [False, True])
def test_another_units_submission_id_is_never_thanked_for_here(client, roster, card_form, monkeypatch,
                                                               at_the_same_instant):
    from rcbingo.cards import service
    from rcbingo.org.service import save_unit_settings, unit_by_key

    for unit in ("icu", "ward"):
        save_unit_settings(unit_by_key(unit), review_first=False, require_enrolled_tablets=False, actor=None)
    first = card_form()
    client.post("/u/icu/card", data=first)
    if at_the_same_instant:
        # The ward's request looked before the ICU's had committed: it finds the id taken only when it stores its card.
        monkeypatch.setattr(service, "_stored_and_reviewed", lambda _submission, _unit: (None, False))
    replay = card_form(unit="ward", submission_id=first["submission_id"], story="A different story entirely.",
                       **{"nominees-0-name": "Rita Rehab", "nominees-0-workgroup": "rehab",
                          "nominees-0-unit": "ward"})
    response = client.post("/u/ward/card", data=replay)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tap Send again" in page and "Phil Pharma" not in page
    assert "A different story entirely." in page and first["submission_id"] not in page
    assert [card.unit.key for card in stored_cards()] == ["icu"]


def _sent(client, fields):
    return client.post("/u/icu/card", data=fields, headers=HTMX)


def test_cards_past_the_budget_of_an_address_wait_with_everything_kept(app, client, roster, card_form):
    app.config["CARDS_PER_ADDRESS"] = "2 per minute"
    for _refused in range(3):  # refused cards are not counted
        assert _sent(client, card_form(**{"nominees-0-workgroup": "nurses"})).status_code == 422
    for n in range(2):
        assert _sent(client, card_form(story=f"Phil called back within minutes, time {n}.")).status_code == 200
    limited = _sent(client, card_form(story="A third story, kept on screen."))
    page = limited.get_data(as_text=True)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert "Many cards were sent from this network in the last minute" in page  # (a NAT's, maybe: not "device")
    assert "wait a minute, then tap Send again" in page
    assert "A third story, kept on screen." in page and 'value="Phil Pharma"' in page
    assert len(stored_cards()) == 2


def test_a_repeat_of_a_stored_card_is_thanked_for_past_the_budget(app, client, roster, card_form):
    app.config["CARDS_PER_ADDRESS"] = "1 per minute"
    fields = card_form()
    assert _sent(client, fields).status_code == 200
    again = _sent(client, fields)  # the tablet's resend after a dropped answer: stored once, not limited
    assert again.status_code == 200 and "Thank you!" in again.get_data(as_text=True)
    assert _sent(client, card_form()).status_code == 429
    assert len(stored_cards()) == 1


def test_an_enrolled_tablet_has_its_own_budget_and_a_made_up_cookie_has_none(app, roster, card_form):
    from rcbingo.org import tablets
    from rcbingo.org.service import unit_by_key

    app.config.update(CARDS_PER_ADDRESS="1 per minute", CARDS_PER_TABLET="2 per minute")
    device = tablets.enrol(tablets.waiting_tablet(tablets.create_enrolment(unit_by_key("icu"), "Station", None)[1]))
    stranger, station = app.test_client(), app.test_client()
    station.set_cookie(tablets.COOKIE, device)
    stranger.set_cookie(tablets.COOKIE, "made-up")
    for client, budget in ((stranger, 1), (station, 2)):
        for n in range(budget + 1):
            page = client.get("/u/icu/card").get_data(as_text=True)
            fields = card_form() | {
                "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
                "submission_id": re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)}
            answer = _sent(client, fields)
            assert answer.status_code == (200 if n < budget else 429)
    assert "sent from this tablet in the last minute" in answer.get_data(as_text=True)
    assert len(stored_cards()) == 3


def test_cards_sent_at_once_from_one_address_are_stored_within_its_budget(app, roster):
    """Counted as they are stored, in one step with the check: 30 cards sent at the same instant cannot all pass a
    check made before any of them was counted."""
    app.config["CARDS_PER_ADDRESS"] = "5 per minute"
    senders = [app.test_client() for _ in range(30)]
    cards = [filled_card(client, story=f"Phil called back within minutes ({n}).") for n, client in enumerate(senders)]
    answers, start = [], threading.Barrier(len(senders))

    def send(client, fields):
        start.wait()
        answers.append(client.post("/u/icu/card", data=fields, headers=HTMX).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(senders, cards, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [200] * 5 + [429] * 25
    assert len(stored_cards()) == 5


def test_a_limited_card_is_shown_by_the_tablet_not_sent_again():
    """htmx swaps a 429 in like a refusal, so resilience.js (which resends on a 5xx or no answer) leaves it alone."""
    import json
    from pathlib import Path

    base = (Path(__file__).parent.parent / "templates" / "base.html").read_text()
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']+)\'', base).group(1))
    first = next(rule for rule in config["responseHandling"] if re.search(rule["code"], "429"))
    assert first["swap"] is True and not first.get("error")


def test_behind_a_proxy_each_client_address_has_its_own_card_budget(database_uri, roster):
    from .conftest import _make_app

    proxied = _make_app(database_uri, PROXY_HOPS=1, CARDS_PER_ADDRESS="1 per minute")

    def send(address):
        client = proxied.test_client()
        fields = filled_card(client, story="Phil called back.")
        return client.post("/u/icu/card", data=fields, headers=HTMX | {"X-Forwarded-For": address}).status_code

    assert [send("10.0.0.1"), send("10.0.0.2"), send("10.0.0.1")] == [200, 200, 429]
    # An IPv6 client cannot take a new address of its network for each card.
    assert [send("2001:db8:1:2::a"), send("2001:db8:1:2::b"), send("2001:db8:1:3::a")] == [200, 429, 200]


@pytest.mark.parametrize("storage", ["redis://127.0.0.1:1", "redis://127.0.0.1:6379/5"], ids=["away", "shared"])
def test_the_card_budget_lives_where_the_sign_in_limits_do_and_never_loses_a_card(database_uri, roster, storage):
    """On Redis, every process counts together; with Redis away, cards are let through rather than lost."""
    import redis

    from .conftest import _make_app

    prefix = f"test-cards-{uuid.uuid4().hex}"
    if storage.endswith("/5"):
        try:
            redis.Redis(socket_connect_timeout=1).ping()
        except redis.RedisError:
            pytest.skip("no Redis at 127.0.0.1:6379")
    workers = [_make_app(database_uri, RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix,
                         CARDS_PER_ADDRESS="2 per minute") for _ in range(2)]

    def send(worker, n):
        client = worker.test_client()
        fields = filled_card(client, story=f"Phil called back ({n}).")
        return client.post("/u/icu/card", data=fields, headers=HTMX).status_code

    answers = [send(workers[n % 2], n) for n in range(3)]
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
    assert answers == ([200, 200, 200] if storage.endswith(":1") else [200, 200, 429])


@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/5"], ids=["memory", "redis"])
def test_a_budget_holds_over_any_stretch_of_its_window_not_per_fixed_window(database_uri, storage):
    """A burst just before a window would end and another just after cannot pass twice the budget: whatever the
    moment, the last window's worth of counts is what is compared (an attacker stored 39 cards in 7 s past 20 a
    minute)."""
    from rcbingo import budgets

    from .conftest import _make_app

    app = _make_app(database_uri, RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    with app.test_request_context():
        def burst(count):
            return sum(budgets.spend("3 per 4 seconds", "cards", "address:10.9.9.9") for _ in range(count))

        assert burst(1) == 1
        time.sleep(3)
        assert burst(2) == 2  # three in the window now
        time.sleep(1.5)  # past the first count's window, not the two later ones'
        assert burst(3) == 1
    with app.app_context():
        db.engine.dispose()
