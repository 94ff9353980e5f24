"""Every route against every kind of visitor, CSRF on every change, and escaped user text.

The matrix is generated from app.url_map: a new route without a rule here fails the test.
"""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from rcbingo.audit.models import AuditEvent
from rcbingo.board import service as board
from rcbingo.cards.models import Card
from rcbingo.extensions import db
from rcbingo.newsletter import service as newsletter
from rcbingo.org import tablets
from rcbingo.org.models import Person, Unit, Workgroup
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.survey import service as survey

from .conftest import Auth, csrf_from, fresh

# Who may use each endpoint.
PUBLIC, KIOSK, SIGNED_IN, COORDINATOR, ADMIN, TOKEN = "public", "kiosk", "signed in", "coordinator", "admin", "token"
UNIT_DEVICE, UNIT_STAFF, EDITOR = "unit device or role", "coordinator or editor", "editor"
API, API_EXPORT = "api token", "api token with export, or coordinator"
ACCESS = {
    "static": PUBLIC,
    "org.home": PUBLIC,
    "org.health": PUBLIC,
    "health.ready": PUBLIC,
    "accounts.sign_in": PUBLIC,
    "org.enrol_tablet": TOKEN,
    "cards.show_card": KIOSK,
    "cards.submit_card": KIOSK,
    "cards.suggest_people": KIOSK,
    "cards.person_row": KIOSK,
    "desk.manage": SIGNED_IN,
    "desk.stories": SIGNED_IN,
    "desk.stories_csv": SIGNED_IN,
    "org.workgroups": SIGNED_IN,
    "accounts.sign_out": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "org.unit_settings": COORDINATOR,
    "org.roster": COORDINATOR,
    "org.edit_person": COORDINATOR,
    "org.retire_person": COORDINATOR,
    "org.import_roster": COORDINATOR,
    "org.unit_tablets": COORDINATOR,
    "org.revoke_tablet": COORDINATOR,
    "review.queue": COORDINATOR,
    "review.review_card": COORDINATOR,
    "review.paper_card": COORDINATOR,
    "printing.index": COORDINATOR,
    "printing.paper_cards": COORDINATOR,
    "printing.poster": COORDINATOR,
    "board.games": COORDINATOR,
    "board.game": COORDINATOR,
    "board.displays": COORDINATOR,
    "board.set_focus": COORDINATOR,
    "board.revoke_display": COORDINATOR,
    "board.show_board": UNIT_DEVICE,
    "board.recognition": UNIT_STAFF,
    "board.wall": TOKEN,
    "board.wall_stream": TOKEN,
    "newsletter.archive": EDITOR,
    "newsletter.edit": EDITOR,
    "newsletter.export_html": EDITOR,
    "newsletter.export_pdf": EDITOR,
    "newsletter.organization_archive": ADMIN,
    "spread.organization": ADMIN,
    "survey.wording": ADMIN,
    "survey.waves": COORDINATOR,
    "survey.results": COORDINATOR,
    "survey.figures_csv": COORDINATOR,
    "survey.respond": TOKEN,
    "survey.respond_with_code": TOKEN,
    "survey.codes": ADMIN,
    "api.openapi": PUBLIC,
    "api.docs": PUBLIC,
    "api.tokens": ADMIN,
    "api.create_card": API,
    "api.list_cards": API,
    "api.show_board": API,
    "api.export_cards": API_EXPORT,
    "org.edit_workgroup": ADMIN,
    "org.units": ADMIN,
    "org.edit_unit": ADMIN,
    "accounts.list_accounts": ADMIN,
    "accounts.edit_account": ADMIN,
    "accounts.disable_account": ADMIN,
    "accounts.enable_account": ADMIN,
    "accounts.audit_log": ADMIN,
}
QUERY = {"cards.person_row": "?slot=nominees-1", "api.export_cards": "?from=2026-01-01&to=2026-12-31"}
VISITORS = ("anonymous", "kiosk", "coordinator of A", "coordinator of B", "editor of A", "admin")
ALLOWED = {
    PUBLIC: set(VISITORS),
    KIOSK: {"kiosk", "coordinator of A", "admin"},
    SIGNED_IN: {"coordinator of A", "coordinator of B", "editor of A", "admin"},
    COORDINATOR: {"coordinator of A", "admin"},
    ADMIN: {"admin"},
    TOKEN: set(),
    UNIT_DEVICE: {"kiosk", "coordinator of A", "editor of A", "admin"},
    UNIT_STAFF: {"coordinator of A", "editor of A", "admin"},
    EDITOR: {"editor of A", "admin"},
    API: set(),  # a bearer token, never a session: see tests/test_api.py
    API_EXPORT: {"coordinator of A", "admin"},
}


@pytest.fixture
def world(app, roster, make_account, card_form, client):
    """Unit A (icu, enrolled tablets only) with a card, a person and a tablet; one visitor of each kind."""
    make_account("a@example.org", roles=[("icu", "coordinator")])
    make_account("b@example.org", roles=[("ward", "coordinator")])
    make_account("ed@example.org", roles=[("icu", "editor")])
    make_account("admin@example.org", is_admin=True)
    client.post("/u/icu/card", data=card_form())
    icu = unit_by_key("icu")
    tablet, link = tablets.create_enrolment(icu, "Station", actor=None)
    device = tablets.enrol(tablets.waiting_tablet(link))
    save_unit_settings(icu, review_first=True, require_enrolled_tablets=True, actor=None)
    game = board.create_game(icu, title="Round", start_now=True, workgroup_ids=[
        w.id for w in db.session.scalars(select(Workgroup))])
    display, _token = board.create_display(icu, "Wall")
    issue = newsletter.draft(icu, date.today().replace(day=1))
    wave, _link = survey.open_wave(icu, name="Baseline", kind="staff", invited={}, actor=None)
    survey.close_wave(wave, actor=None)  # its figures (and their CSV) exist only once it is closed
    fresh()
    ids = {"unit_key": "icu", "card_id": db.session.scalar(select(Card.id)),
           "person_id": db.session.scalar(select(Person.id).where(Person.unit_id == icu.id)),
           "tablet_id": tablet.id, "account_id": 1, "workgroup_id": db.session.scalar(select(Workgroup.id)),
           "link": "not-a-real-link", "token": "not-a-real-token", "filename": "app.css",
           "game_id": game.id, "display_id": display.id, "issue_id": issue.id,
           "wave_id": wave.id, "code": "not-a-real-code", "unit_id": icu.id}
    visitors = {}
    for visitor in VISITORS:
        browser = app.test_client()
        if visitor == "kiosk":
            browser.set_cookie(tablets.COOKIE, device)
        email = {"coordinator of A": "a", "coordinator of B": "b", "editor of A": "ed", "admin": "admin"}.get(visitor)
        if email:
            signed = Auth(browser).sign_in(f"{email}@example.org")
            assert signed.status_code == 302, signed.get_data(as_text=True)
        visitors[visitor] = browser
    return ids, visitors


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_an_access_rule(app):
    missing = sorted({rule.endpoint for rule, _ in routes(app)} - set(ACCESS))
    assert missing == [], f"routes without a rule in ACCESS: {missing}"


def test_every_route_lets_in_exactly_who_it_should(app, world):
    ids, visitors = world
    wrong = []
    for rule, method in routes(app):
        url = rule.build({k: v for k, v in ids.items() if k in rule.arguments})[1] + QUERY.get(rule.endpoint, "")
        for visitor, browser in visitors.items():
            allowed = visitor in ALLOWED[ACCESS[rule.endpoint]]
            if allowed and method == "POST":
                continue  # changes are exercised by the behaviour tests
            token = csrf_from(browser.get("/sign-in").get_data(as_text=True))
            response = browser.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            if allowed:
                ok = response.status_code < 400
            elif ACCESS[rule.endpoint] == TOKEN:
                ok = response.status_code == 404 or (  # an enrolled tablet opening an enrolment link: its card
                    rule.endpoint == "org.enrol_tablet" and visitor == "kiosk" and response.status_code == 303
                    and response.headers["Location"].endswith("/card"))
            elif ACCESS[rule.endpoint] in (API, API_EXPORT):
                ok = response.status_code == 401
            elif visitor in ("anonymous", "kiosk") and ACCESS[rule.endpoint] not in (KIOSK, UNIT_DEVICE):
                ok = response.status_code == 302 and "/sign-in" in response.headers["Location"]
            else:
                ok = response.status_code == 403
            if not ok:
                wrong.append(f"{method} {url} as {visitor}: {response.status_code}")
    assert wrong == []


def _changes() -> tuple[int, int]:
    fresh()
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(Card)))


@pytest.mark.parametrize("htmx", [False, True])
def test_every_change_without_a_csrf_token_is_refused(app, world, htmx):
    ids, visitors = world
    admin = visitors["admin"]
    before = _changes()
    headers = {"HX-Request": "true"} if htmx else {}
    for rule, method in routes(app):
        if method != "POST":
            continue
        url = rule.build({k: v for k, v in ids.items() if k in rule.arguments})[1]
        fields = {"submission_id": "a" * 32, "nominator-name": "Nora Nurse", "nominator-workgroup": "nurses",
                  "nominator-unit": "icu", "nominees-0-name": "Phil", "nominees-0-workgroup": "pharmacists",
                  "nominees-0-unit": "icu", "dimensions": "timely", "story": "A story.", "name": "x",
                  "email": "x@example.org", "password": "a long enough password", "action": "approve"}
        response = admin.post(url, data=fields, headers=headers)
        # The API takes no cookie: a signed-in browser cannot be tricked into writing through it.
        expected = 401 if rule.endpoint == "api.create_card" else 400
        assert response.status_code == expected, f"POST {url}: {response.status_code}"
    assert _changes() == before


XSS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "<svg onload=alert(1)>"]


@pytest.mark.parametrize("payload", XSS)
def test_user_text_is_escaped_on_the_card_review_and_audit_pages(app, client, roster, card_form, make_account,
                                                                 auth, payload):
    save_unit_settings(unit_by_key("icu"), review_first=True, require_enrolled_tablets=False, actor=None)
    make_account("admin@example.org", is_admin=True)
    refused = client.post("/u/icu/card", data=card_form(story=payload, **{"nominees-0-name": payload,
                                                                          "dimensions": []}))
    assert payload not in refused.get_data(as_text=True)
    typed = {"story": payload, "practice": payload, "nominees-0-name": payload, "nominator-name": payload}
    checked = client.post("/u/icu/card", data=card_form(**typed))  # the screen's check shows what it marked
    assert payload not in checked.get_data(as_text=True)
    client.post("/u/icu/card", data=card_form(**typed, flagged="review"))  # sent as it is
    auth.sign_in("admin@example.org")
    evil_email = re.sub(r"\s", "", payload)[:40] + "@example.org"
    client.post("/admin/accounts", data={"csrf_token": auth.csrf(), "name": payload, "email": evil_email,
                                         "password": "a long enough password"})
    pages = [client.get("/u/icu/review"), client.get("/u/icu/review/1"), client.get("/admin/accounts"),
             client.get("/admin/audit"), client.get("/u/icu/roster")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert payload not in html and evil_email not in html
    assert "&lt;" in pages[1].get_data(as_text=True)


# --- rights per action: roles × units × actions -------------------------------------------------------
# Each action is tried by every signed-in kind of visitor on unit A and on unit B, from the pages of the
# visitor's own unit where the target unit is only a form field: a right is per action, not per page.
HOME = {"coordinator of A": "icu", "coordinator of B": "ward", "editor of A": "icu", "admin": "icu"}


def _count(model, **where) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _unit_id(key: str) -> int:
    return unit_by_key(key).id


def _add_person(browser, home, target):
    url = f"/u/{home}/roster"
    browser.post(url, data={"csrf_token": csrf_from(browser.get(url).text), "name": "New Person",
                            "workgroup": "nurses", "unit": target})
    return _count(Person, name="New Person", unit_id=_unit_id(target)) == 1


def _move_person(browser, home, target):
    person = db.session.scalar(select(Person).where(Person.unit_id == _unit_id(home)).limit(1))
    url = f"/u/{home}/roster/{person.id}"
    page = browser.get(url)
    browser.post(url, data={"csrf_token": csrf_from(page.text) if page.status_code == 200 else "",
                            "name": person.name, "workgroup": person.workgroup.key, "unit": target})
    return _count(Person, id=person.id, unit_id=_unit_id(target)) == 1 and home != target


def _add_workgroup(browser, _home, _target):
    browser.post("/workgroups", data={"csrf_token": csrf_from(browser.get("/manage").text), "name": "Chaplains"})
    return _count(Workgroup, name="Chaplains") == 1


def _rename_workgroup(browser, _home, _target):
    workgroup_id = db.session.scalar(select(Workgroup.id).where(Workgroup.key == "rehab"))
    browser.post(f"/workgroups/{workgroup_id}", data={"csrf_token": csrf_from(browser.get("/manage").text),
                                                      "action": "rename", "name": "Therapists"})
    return _count(Workgroup, name="Therapists") == 1


def _add_unit(browser, _home, _target):
    browser.post("/admin/units", data={"csrf_token": csrf_from(browser.get("/manage").text), "name": "Oncology"})
    return _count(Unit, name="Oncology") == 1


def _rename_unit(browser, _home, target):
    browser.post(f"/admin/units/{_unit_id(target)}", data={"csrf_token": csrf_from(browser.get("/manage").text),
                                                           "name": "Renamed Unit"})
    return _count(Unit, name="Renamed Unit", key=target) == 1


def _settings(browser, _home, target):
    url = f"/u/{target}/settings"
    browser.post(url, data={"csrf_token": csrf_from(browser.get("/manage").text), "review_first": "publish"})
    fresh()
    return not unit_by_key(target).review_first


def _open_display(browser, _home, target):
    from rcbingo.board.models import Display

    url = f"/u/{target}/displays"
    browser.post(url, data={"csrf_token": csrf_from(browser.get("/manage").text), "name": "Break room"})
    return _count(Display, unit_id=_unit_id(target), name="Break room") == 1


A_OR_B = {"icu": {"coordinator of A", "admin"}, "ward": {"coordinator of B", "admin"}}
EVERY_COORDINATOR = {"coordinator of A", "coordinator of B", "admin"}
ACTIONS = {
    "add a person to the roster": (_add_person, A_OR_B),
    "move a person to another unit": (_move_person, {"icu": set(), "ward": {"admin"}}),
    "add a workgroup": (_add_workgroup, {"icu": EVERY_COORDINATOR, "ward": EVERY_COORDINATOR}),
    "rename a workgroup": (_rename_workgroup, {"icu": {"admin"}, "ward": {"admin"}}),
    "add a unit": (_add_unit, {"icu": {"admin"}, "ward": {"admin"}}),
    "rename a unit": (_rename_unit, {"icu": {"admin"}, "ward": {"admin"}}),
    "change the unit's settings": (_settings, A_OR_B),
    "open a wall display": (_open_display, A_OR_B),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target", ["icu", "ward"])
def test_each_action_is_allowed_exactly_to_the_roles_that_hold_it_in_that_unit(app, world, action, target):
    _ids, visitors = world
    do, allowed = ACTIONS[action]
    for visitor in HOME:
        done = do(visitors[visitor], HOME[visitor], target)
        assert done is (visitor in allowed[target]), f"{visitor} {action} in {target}: done={done}"
        if done:  # undo, so the next visitor's attempt shows its own effect
            _undo(action, target)


def _undo(action, target):
    from rcbingo.board.models import Display
    from rcbingo.database import write_transaction

    with write_transaction() as session:
        if action == "add a person to the roster":
            session.execute(Person.__table__.delete().where(Person.name == "New Person"))
        elif action == "move a person to another unit":
            moved = Person.__table__.update().where(Person.unit_id == _unit_id(target), Person.name != "Rita Rehab")
            session.execute(moved.values(unit_id=_unit_id("icu")))
        elif action == "add a workgroup":
            session.execute(Workgroup.__table__.delete().where(Workgroup.name == "Chaplains"))
        elif action == "rename a workgroup":
            session.execute(Workgroup.__table__.update().where(Workgroup.name == "Therapists")
                            .values(name="Rehabilitation therapists"))
        elif action == "add a unit":
            session.execute(Unit.__table__.update().where(Unit.name == "Oncology").values(name="Oncology (tried)"))
        elif action == "rename a unit":
            session.execute(Unit.__table__.update().where(Unit.name == "Renamed Unit")
                            .values(name={"icu": "Intensive Care", "ward": "Surgical Ward"}[target]))
        elif action == "change the unit's settings":
            session.execute(type(unit_by_key(target)).__table__.update().values(review_first=True))
        elif action == "open a wall display":
            session.execute(Display.__table__.delete())
