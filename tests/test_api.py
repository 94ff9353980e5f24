"""The JSON API: tokens scoped to units, idempotent card creation, published cards, the board, exports."""

import csv
import io
import itertools
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from rcbingo.api import service as api
from rcbingo.extensions import db
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import fresh

CARD = {"nominator": {"name": "Nora Nurse", "workgroup": "nurses", "unit": "icu"},
        "nominees": [{"name": "Phil Pharma", "workgroup": "pharmacists", "unit": "icu"}],
        "dimensions": ["timely", "accurate"], "practice": "A quick call", "story": "Phil rang within minutes."}


@pytest.fixture
def token(app, roster):
    """A token for the ICU that may create cards and export."""
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    _token, secret = api.create_token("Intranet", [unit_by_key("icu")], can_write=True, can_export=True, actor=None)
    return secret


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_card_sent_twice_with_one_idempotency_key_is_stored_once(client, token):
    headers = bearer(token) | {"Idempotency-Key": "intranet-form-42"}
    first = client.post("/api/v1/units/icu/cards", json=CARD, headers=headers)
    again = client.post("/api/v1/units/icu/cards", json=CARD, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"] and first.json["status"] == "published"
    other = client.post("/api/v1/units/icu/cards", json=CARD, headers=bearer(token) | {"Idempotency-Key": "43"})
    assert other.json["id"] != first.json["id"]


def test_a_card_the_rules_refuse_says_why_by_field(client, token):
    same = CARD | {"nominees": [{"name": "Ned Night", "workgroup": "nurses", "unit": "icu"}], "dimensions": []}
    response = client.post("/api/v1/units/icu/cards", json=same, headers=bearer(token) | {"Idempotency-Key": "x"})
    assert response.status_code == 422
    assert set(response.json["problems"]) == {"nominees", "dimensions"}


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": "Bearer nope"}, 401)])
def test_no_valid_token_no_access(client, token, headers, status):
    response = client.get("/api/v1/units/icu/board", headers=headers)
    assert response.status_code == status and "error" in response.json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_acts_only_on_its_units_and_rights(client, token):
    assert client.get("/api/v1/units/ward/board", headers=bearer(token)).status_code == 403
    _t, reader = api.create_token("Reader", [unit_by_key("icu")], can_write=False, can_export=False, actor=None)
    denied = client.post("/api/v1/units/icu/cards", json=CARD, headers=bearer(reader) | {"Idempotency-Key": "1"})
    assert denied.status_code == 403
    assert client.get("/api/v1/units/icu/cards.csv?from=2026-01-01&to=2026-12-31",
                      headers=bearer(reader)).status_code == 403
    assert client.get("/api/v1/units/icu/cards", headers=bearer(reader)).status_code == 200


def test_a_revoked_token_stops_working(client, token, make_account):
    fresh()
    [record] = [t for t in api.all_tokens() if t.name == "Intranet"]
    api.revoke_token(record, actor=make_account())
    assert client.get("/api/v1/units/icu/board", headers=bearer(token)).status_code == 401


def test_published_cards_come_as_shareable_as_their_writers_allowed(client, token):
    headers = bearer(token)
    client.post("/api/v1/units/icu/cards", json=CARD | {"show_nominator_name": False},
                headers=headers | {"Idempotency-Key": "a"})
    client.post("/api/v1/units/icu/cards", json=CARD | {"consent_publish": False, "story": "Private words."},
                headers=headers | {"Idempotency-Key": "b"})
    cards = client.get("/api/v1/units/icu/cards", headers=headers).json["cards"]
    assert [c["story"] for c in cards] == [None, "Phil rang within minutes."]
    assert cards[1]["writer"] == {"name": None, "workgroup": "nurses"}
    assert client.get("/api/v1/units/icu/cards?limit=0", headers=headers).status_code == 400
    assert client.get("/api/v1/units/icu/cards?since=yesterday", headers=headers).status_code == 400


def test_the_board_as_data(client, token):
    from rcbingo.board.service import create_game
    from rcbingo.org.service import active_workgroups

    create_game(unit_by_key("icu"), title="Round", start_now=True, workgroup_ids=[w.id for w in active_workgroups()])
    before = client.get("/api/v1/units/icu/board", headers=bearer(token)).json
    assert all(w["progress"] == 0 for w in before["workgroups"])
    client.post("/api/v1/units/icu/cards", json=CARD, headers=bearer(token) | {"Idempotency-Key": "c"})
    board = client.get("/api/v1/units/icu/board", headers=bearer(token)).json  # this process's change: at once
    pharmacists = next(w for w in board["workgroups"] if w["key"] == "pharmacists")
    assert board["game"]["title"] == "Round" and pharmacists["progress"] == 2
    assert pharmacists["squares"]["timely"] == 1 and pharmacists["squares"]["frequent"] == 0


def test_a_board_changed_by_another_server_process_is_seen_within_a_fraction_of_a_second(app, client, token,
                                                                                        monkeypatch):
    from sqlalchemy import text

    from rcbingo.board import live
    from rcbingo.board.service import create_game
    from rcbingo.org.service import active_workgroups

    create_game(unit_by_key("icu"), title="Round", start_now=True, workgroup_ids=[w.id for w in active_workgroups()])
    monkeypatch.setattr(live, "VERSION_MAX_AGE", 60)  # within the fraction of a second, however slow the machine
    before = client.get("/api/v1/units/icu/board", headers=bearer(token)).json["version"]
    with db.engine.begin() as other:  # as another worker would: no commit hook in this process sees it
        other.execute(text("UPDATE board_version SET version = version + 1"))
    assert client.get("/api/v1/units/icu/board", headers=bearer(token)).json["version"] == before
    monkeypatch.setattr(live, "VERSION_MAX_AGE", 0)  # as if that fraction of a second had passed
    assert client.get("/api/v1/units/icu/board", headers=bearer(token)).json["version"] == before + 1


def test_coordinators_export_cards_by_date_range(client, token, make_account, auth):
    client.post("/api/v1/units/icu/cards", json=CARD, headers=bearer(token) | {"Idempotency-Key": "d"})
    url = "/api/v1/units/icu/cards.csv?from=2020-01-01&to=2029-12-31"
    rows = list(csv.DictReader(io.StringIO(client.get(url, headers=bearer(token)).get_data(as_text=True))))
    assert [r["story"] for r in rows] == ["Phil rang within minutes."] and rows[0]["dimensions"] == "timely accurate"
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/units/icu/cards.csv?from=2026-02-30&to=2026-03-01").status_code == 400
    empty = client.get("/api/v1/units/icu/cards.csv?from=1990-01-01&to=1990-01-31").get_data(as_text=True)
    assert empty.count("\n") == 1


def test_the_openapi_document_and_its_page_are_served(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1") and "/api/v1/units/{unit}/cards" in spec["paths"]
    assert "POST /api/v1/units/{unit}/cards" in client.get("/api/docs").get_data(as_text=True)


def test_the_api_never_answers_with_a_server_error(app, token):
    """schemathesis sends what the OpenAPI document allows (and edge cases of it) to every operation."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode, path_parameters={"unit": "icu"}))
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=bearer(token), checks=[not_a_server_error])

        check()


def test_nobody_at_a_tablet_can_take_an_integrations_card_id(client, token, card_form):
    """A tablet's card form sends its own submission id; one made like an integration's is never taken as its."""
    from rcbingo.api.service import grant_for, submission_id

    with client.application.app_context():
        planted = submission_id(grant_for(token), "intranet-form-7")
    client.post("/u/icu/card", data=card_form(submission_id=planted, story="Planted from a tablet."))
    answer = client.post("/api/v1/units/icu/cards", json=CARD,
                         headers=bearer(token) | {"Idempotency-Key": "intranet-form-7"})
    from rcbingo.cards.models import Card

    assert answer.status_code == 201  # a card of its own, not the tablet's
    with client.application.app_context():
        assert db.session.get(Card, answer.get_json()["id"]).story == CARD["story"]


def test_an_idempotency_key_sent_again_with_another_body_is_refused(client, token):
    headers = bearer(token) | {"Idempotency-Key": "intranet-form-44"}
    first = client.post("/api/v1/units/icu/cards", json=CARD, headers=headers)
    assert first.status_code == 201
    other = client.post("/api/v1/units/icu/cards", json=CARD | {"story": "Someone else's story."}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["error"]
    # The same card again, its keys in another order and spaced otherwise: the same card, stored once.
    again = client.post("/api/v1/units/icu/cards", data=json.dumps(dict(reversed(CARD.items())), indent=2),
                        headers=headers | {"Content-Type": "application/json"})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    stories = [c["story"] for c in client.get("/api/v1/units/icu/cards", headers=bearer(token)).json["cards"]]
    assert stories == [CARD["story"]]


def test_the_cursor_pages_through_every_card_while_new_ones_arrive(client, token):
    headers = bearer(token)

    def send(n):
        answer = client.post("/api/v1/units/icu/cards", json=CARD | {"story": f"Story {n}."},
                             headers=headers | {"Idempotency-Key": f"page-{n}"})
        return answer.json["id"]

    written = [send(n) for n in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/api/v1/units/icu/cards?limit=3" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers).json
        seen += [c["id"] for c in page["cards"]]
        pages += 1
        send(100 + pages)  # a card published meanwhile is newer: it moves no page
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(written, reverse=True) and pages == 3
    assert client.get("/api/v1/units/icu/cards?cursor=bm9wZQ", headers=headers).status_code == 400
    assert client.get("/api/v1/units/icu/cards?cursor=%5B%5D", headers=headers).status_code == 400


@pytest.mark.parametrize("document", [b"[" * 2000, b"[" * 60, b'["2026-11-05T10:00:00+00:00",' + b"9" * 5000 + b"]"])
def test_a_crafted_cursor_is_a_clear_400(client, token, document):
    import base64

    cursor = base64.urlsafe_b64encode(document).decode().rstrip("=")
    answer = client.get(f"/api/v1/units/icu/cards?cursor={cursor}", headers=bearer(token))
    assert answer.status_code == 400 and answer.json["error"] == "cursor must be a next_cursor this API gave."
