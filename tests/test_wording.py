"""Words that speak to the person reading them: the paper card, the card's problems, the API docs, the audit log."""

import re

import pytest

from rcbingo.org.service import load_roster, save_unit_settings, unit_by_key

from .conftest import ROSTER


@pytest.fixture
def coordinator(app, roster, make_account, auth):
    make_account("icu@example.org", roles=[("icu", "coordinator")], is_admin=True)
    assert auth.sign_in("icu@example.org").status_code == 302
    return auth


def test_the_paper_card_speaks_to_the_coordinator_typing_it_in(client, coordinator):
    html = client.get("/u/icu/paper-card").get_data(as_text=True).replace("&#39;", "'")
    for words in ("Writer's name", "Writer's workgroup", "The writer's story", "Show the writer's name with it?",
                  "The writer"):
        assert words in html, words
    assert "Your name" not in html and "Your story" not in html and "Show your name" not in html
    kiosk = client.get("/u/icu/card").get_data(as_text=True)
    assert "Your name" in kiosk and "Writer" not in kiosk


def test_a_person_picked_on_the_paper_card_stays_the_writer(client, coordinator):
    url = "/u/icu/card/person?slot=nominator"
    on_paper = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/u/icu/paper-card"})
    assert "Writer's name" in on_paper.get_data(as_text=True)
    on_kiosk = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/u/icu/card"})
    assert "Your name" in on_kiosk.get_data(as_text=True)


def test_the_cards_problems_are_listed_each_linking_to_its_field(client, roster, card_form):
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    response = client.post("/u/icu/card", data=card_form(story="", dimensions=[], **{"nominees-0-name": ""}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html.split('class="problem-summary"')[1].split("</div>")[0]
    links = dict(re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary))
    assert links == {"nominees-0-name": "Person 1: Type their name.",
                     "dim-shared_goals": "Tick at least one thing they showed.",
                     "story": "Tell us what happened: a sentence or two is enough."}
    for target in links:
        assert f'id="{target}"' in html, target


def test_the_api_docs_render_their_markdown(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in html
    assert "`" not in html.split("<main")[1]


def test_the_audit_log_shows_each_time_on_its_units_clocks(client, coordinator):
    load_roster({**ROSTER, "units": [{**u, "timezone": "America/Chicago"} for u in ROSTER["units"]]})
    client.post("/u/icu/displays", data={"csrf_token": coordinator.csrf("/u/icu/displays"), "name": "Break room"})
    html = client.get("/admin/audit").get_data(as_text=True)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d C[SD]T</time>", html)
