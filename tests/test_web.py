"""The HTTP edge's conventions, each closing a class of hole: text, ids, redirects, downloads, logs, translation."""

import ast
import csv
import io
import uuid
from pathlib import Path

import pytest
from jinja2 import nodes
from sqlalchemy import select

from rcbingo.cards import service as cards
from rcbingo.cards.models import Card
from rcbingo.cards.rules import Draft, Entry
from rcbingo.extensions import db
from rcbingo.logs import mask as mask_secrets
from rcbingo.logs import secret_patterns
from rcbingo.newsletter import service as newsletter
from rcbingo.org.service import save_unit_settings, unit_by_key
from rcbingo.web import clean_text, csv_cell, db_id, safe_next

from .conftest import PASSWORD, fresh

ROOT = Path(__file__).resolve().parent.parent
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext", "lazy_ngettext"}


# --- translating literals only --------------------------------------------------------------------

def _template_violations(env, name: str) -> list[str]:
    tree = env.parse(env.loader.get_source(env, name)[0])
    found = [f"{name}:{call.lineno}: _() of a non-literal" for call in tree.find_all(nodes.Call)
             if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT
             and not (call.args and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str))]
    found += [f"{name}:{f.lineno}: |safe" for f in tree.find_all(nodes.Filter) if f.name == "safe"]
    return found


def test_templates_translate_literals_only_and_never_mark_text_safe(app):
    env = app.jinja_env
    assert not [v for name in env.list_templates(extensions=["html"]) for v in _template_violations(env, name)]


def test_the_template_check_catches_a_translated_variable(app):
    env = app.jinja_env.overlay(loader=None)
    source = '{{ _("fine") }} {{ _(card.story) }} {{ name | safe }}'
    from jinja2 import DictLoader

    env.loader = DictLoader({"bad.html": source})
    assert len(_template_violations(env, "bad.html")) == 2


def test_python_translates_literals_only():
    """Code marks messages with N_() and shows them through i18n.translated, which alone may look one up."""
    allowed = {ROOT / "rcbingo" / "i18n.py"}
    found = []
    for path in (ROOT / "rcbingo").rglob("*.py"):
        if path in allowed or "migrations" in path.parts:
            continue
        for call in ast.walk(ast.parse(path.read_text())):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in GETTEXT
                    and not (call.args and isinstance(call.args[0], ast.Constant))):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert found == []


def test_a_name_that_looks_like_a_format_string_or_a_message_stays_as_typed(app, roster):
    from rcbingo.i18n import translated
    from rcbingo.org.rules import password_problem

    assert translated("Farah %(x)s Siddiqui") == "Farah %(x)s Siddiqui"
    assert translated("Farah %(x)s Siddiqui", min=12) == "Farah %(x)s Siddiqui"
    assert translated(password_problem("short", "a@b.org"), min=12) == "Use at least 12 characters."


# --- text as a person meant it ----------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("a\x00b", "ab"),
    ("right-to-left \u202eeman\u202c override", "right-to-left eman override"),
    ("isolate \u2067x\u2069", "isolate x"),
    ("lone \udcff surrogate", "lone  surrogate"),
    ("bell\x07 and del\x7f", "bell and del"),
    ("lines\r\nand\ttabs stay", "lines\r\nand\ttabs stay"),
    ("Ñandú Peña, José María 👩🏽‍⚕️", "Ñandú Peña, José María 👩🏽‍⚕️"),
])
def test_invisible_characters_are_dropped_and_everything_else_kept(typed, stored):
    assert clean_text(typed) == stored


def test_a_card_with_nul_and_bidi_controls_is_stored_clean_on_every_database(client, roster, card_form):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    response = client.post("/u/icu/card", data=card_form(**{
        "nominator-name": "Nora\x00 Nurse", "story": "Phil \u202ecalled\u202c back a\x00b in minutes.",
        "practice": "zero\u200bwidth goes"}))
    assert response.status_code == 200
    fresh()
    card = db.session.scalars(select(Card)).one()
    assert (card.nominator_name, card.story) == ("Nora Nurse", "Phil called back ab in minutes.")
    assert card.practice == "zerowidth goes"  # invisible: it would hide a word from the screen
    board = client.get("/u/icu/board").get_data(as_text=True)
    assert "\u202e" not in board


@pytest.mark.parametrize("url", [
    "/u/icu/card/people?slot=nominator&nominator-name=No%00ra",
    "/u/icu/card/person?slot=nominator&person=99999999999999999999",
    "/u/icu/card/person?slot=nominator&person=-1",
])
def test_kiosk_helpers_answer_hostile_parameters_without_a_server_error(client, roster, url):
    assert client.get(url).status_code == 200


def test_a_nul_byte_in_the_sign_in_email_is_a_plain_refusal(client, make_account):
    make_account()
    page = client.get("/sign-in").get_data(as_text=True)
    from .conftest import csrf_from

    response = client.post("/sign-in", data={"email": "coord\x00@example.org", "password": PASSWORD,
                                             "csrf_token": csrf_from(page)})
    assert response.status_code in (302, 401)


def test_the_api_cleans_json_text_too(client, roster):
    from rcbingo.api import service as api

    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    _token, secret = api.create_token("Intranet", [unit_by_key("icu")], can_write=True, can_export=False,
                                       actor=None)
    card = {"nominator": {"name": "Nora\x00 Nurse\udcff", "workgroup": "nurses", "unit": "icu"},
            "nominees": [{"name": "Phil Pharma", "workgroup": "pharmacists", "unit": "icu"}],
            "dimensions": ["timely"], "story": "In \u202eminutes\u202c."}
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k"}
    response = client.post("/api/v1/units/icu/cards", json=card, headers=headers)
    assert response.status_code == 201
    fresh()
    stored = db.session.scalars(select(Card)).one()
    assert (stored.nominator_name, stored.story) == ("Nora Nurse", "In minutes.")


# --- ids ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "-1", "0", "1e3", " 7", "٣"])
def test_an_id_out_of_range_is_no_id(value):
    with pytest.raises(ValueError):
        db_id(value)


def test_an_id_out_of_the_databases_range_is_not_found_on_every_route(app, client, make_account, auth):
    make_account(is_admin=True)
    auth.sign_in()
    int_rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and "int" in r.rule]
    assert int_rules
    for rule in int_rules:
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", "99999999999999999999").replace(f"<{name}>", "icu")
        assert client.get(url).status_code == 404, url


# --- redirects ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "local"), [
    ("/manage", True),
    ("/u/icu/review?page=2", True),
    ("//evil.example/", False),
    ("/\t/evil.example", False),
    ("/\n/evil.example", False),
    ("/\\evil.example", False),
    ("https://evil.example/", False),
    ("javascript:alert(1)", False),
    ("evil.example", False),
    ("", False),
    (None, False),
])
def test_only_a_path_on_this_site_is_a_place_to_return_to(app, target, local):
    with app.test_request_context():
        assert (safe_next(target) == target) is local


@pytest.mark.parametrize("next_", ["/%09/evil.example", "%2F%2Fevil.example", "/%0a/x", "/%0d%0aX:y", "/%5Cevil"])
def test_signing_in_never_leaves_the_site(client, make_account, next_):
    make_account()
    from .conftest import csrf_from

    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(f"/sign-in?next={next_}", data={"email": "coord@example.org", "password": PASSWORD,
                                                            "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/manage"


# --- downloads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-12.5", "-12.5"),
    ("Nora", "Nora"),
    (7, 7),
])
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(value, safe):
    assert csv_cell(value) == safe


def _cards(story: str, name: str = "Nora Nurse"):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    draft = Draft(nominator=Entry(name, "nurses", "icu"), nominees=(Entry("Phil Pharma", "pharmacists", "icu"),),
                  dimensions=frozenset({"timely"}), story=story)
    return cards.submit(draft, unit_by_key("icu"), uuid.uuid4().hex)[0]


def test_the_cards_export_holds_no_formula(client, roster, make_account, auth):
    _cards("=1+1 is what she wrote", name="@Nora")
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    text = client.get("/api/v1/units/icu/cards.csv?from=2020-01-01&to=2029-12-31").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["story"] == "'=1+1 is what she wrote" and row["writer"] == "'@Nora"
    cells = [cell for line in csv.reader(io.StringIO(text)) for cell in line]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


@pytest.mark.parametrize("dates", ["from=9999-12-30&to=9999-12-31", "from=0001-01-01&to=0001-01-02",
                                   "from=2026-01-01&to=99999-01-01"])
def test_an_export_at_the_ends_of_the_calendar_is_a_clear_refusal(client, roster, make_account, auth, dates):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    response = client.get(f"/api/v1/units/icu/cards.csv?{dates}")
    assert response.status_code in (200, 400)


def test_a_pdf_size_cannot_add_to_the_download_header(client, roster, make_account, auth):
    _cards("A story for the PDF.")
    issue = newsletter.draft(unit_by_key("icu"), __import__("datetime").date.today().replace(day=1))
    make_account(roles=[("icu", "editor")])
    auth.sign_in()
    hostile = client.get(f'/newsletter/{issue.id}/issue.pdf?size=a4"; filename="evil.html')
    assert hostile.status_code == 404 and "filename" not in hostile.headers.get("Content-Disposition", "")
    assert client.get(f"/newsletter/{issue.id}/issue.pdf?size=a4%0d%0aX:y").status_code == 404
    letter = client.get(f"/newsletter/{issue.id}/issue.pdf?size=letter")
    assert letter.status_code == 200
    assert letter.headers["Content-Disposition"].count("filename=") == 1


# --- logs ---------------------------------------------------------------------------------------------

def test_every_secret_in_an_address_is_masked_in_the_access_log(app):
    patterns = secret_patterns(app.url_map)
    secret_rules = [r for r in app.url_map.iter_rules() if {"token", "link", "code", "secret"} & r.arguments]
    assert len(patterns) == len(secret_rules) >= 3
    for rule in secret_rules:
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", "S3CRET-value_1").replace(f"<int:{name}>", "7")
        for line in (f"GET {path}?x=1 HTTP/1.1", f"https://rcbingo.example{path}", f"GET /{path.replace('/', '//')}"):
            assert "S3CRET" not in mask_secrets(line, patterns), line
    assert mask_secrets("GET /u/icu/board HTTP/1.1", patterns) == "GET /u/icu/board HTTP/1.1"


def gunicorn_log(tmp_path, setting: str, lines: str) -> str:
    """What gunicorn's logger (gunicorn.conf.py's) writes to its `setting` log ('accesslog' or 'errorlog') when a
    process of its own runs `lines` with it as `log`."""
    import subprocess
    import sys

    script = ("import runpy, sys, datetime, types\n"
              "from gunicorn.config import Config\n"
              "MaskingLogger = runpy.run_path('gunicorn.conf.py')['logger_class']\n"
              "assert 'rcbingo' not in sys.modules  # the master never imports the app\n"
              f"cfg = Config(); cfg.set({setting!r}, sys.argv[1])\n"
              "log = MaskingLogger(cfg)\n" + lines)
    log = tmp_path / f"{setting}.log"
    subprocess.run([sys.executable, "-c", script, str(log)], check=True, cwd=ROOT, timeout=60)
    return log.read_text()


def test_gunicorn_writes_the_access_log_with_secrets_masked(app, tmp_path):
    written = gunicorn_log(tmp_path, "accesslog", (
        "resp = types.SimpleNamespace(status='200 OK', sent=10, headers=[])\n"
        "environ = {'REQUEST_METHOD': 'GET', 'RAW_URI': '/wall/TOPSECRET/stream', 'SERVER_PROTOCOL': 'HTTP/1.1',"
        " 'PATH_INFO': '/wall/TOPSECRET/stream', 'QUERY_STRING': '', 'HTTP_REFERER': 'http://h/enrol/ENROLSECRET'}\n"
        "log.access(resp, types.SimpleNamespace(headers=[]), environ, datetime.timedelta(seconds=1))\n"))
    assert "/wall/[hidden]/stream" in written and "TOPSECRET" not in written and "ENROLSECRET" not in written


def test_gunicorn_masks_secrets_in_its_own_messages(app, tmp_path):
    """An invalid request's line and "Error handling request <path>" name a link's secret too (percent-encoded or
    not): gunicorn's error log masks them once the worker has made the app."""
    written = gunicorn_log(tmp_path, "errorlog", (
        "log.info('Booting worker with pid: 7')  # the master: no app made, nothing to mask\n"
        "from rcbingo import create_app\n"
        "create_app({'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "log.warning(\"Invalid request from ip=10.0.0.1: Invalid Request Line 'GET /w%61ll/WALLSECRET x'\")\n"
        "try:\n"
        "    raise ValueError('boom')\n"
        "except ValueError:\n"
        "    log.exception('Error handling request %s', '/s/code/CODESECRET?x=1')\n"))
    assert "Booting worker with pid: 7" in written and "Error handling request /s/" in written
    assert "WALLSECRET" not in written and "CODESECRET" not in written and "ValueError: boom" in written


# --- what an adversarial review found ------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/u/icu/card/person?slot=nominees-%C2%B2",
    "/u/icu/card/people?slot=nominees-%C2%B2&nominees-%C2%B2-name=Phil",
])
def test_digits_that_are_not_ascii_are_no_number(client, roster, url):
    assert client.get(url).status_code in (200, 400)


@pytest.mark.parametrize("url", ["/u/ic%00u/card", "/u/%00/board", "/api/v1/units/%00/board",
                                 "/u/icu%E2%80%AE/card", "/wall/%00/stream"])
def test_a_path_part_with_control_characters_names_nothing(client, roster, url):
    assert client.get(url).status_code == 404


def test_the_api_answers_json_for_every_error(client, roster):
    from rcbingo.api import service as api

    _token, secret = api.create_token("Intranet", [unit_by_key("icu")], can_write=True, can_export=False,
                                      actor=None)
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "deep", "Content-Type": "application/json"}
    deep = client.post("/api/v1/units/icu/cards", data='{"a":' * 5000, headers=headers)
    assert deep.status_code == 400 and deep.is_json
    # (an Arabic-Indic 2: NFKC leaves it as it is, and int() would read it)
    assert client.get("/api/v1/units/icu/cards?limit=%D9%A2", headers=headers).status_code == 400
    for since in ("0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00"):
        assert client.get(f"/api/v1/units/icu/cards?since={since}", headers=headers).status_code == 400
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json
    wrong = client.delete("/api/v1/units/icu/board", headers=headers)
    assert wrong.status_code == 405 and wrong.is_json and "GET" in wrong.headers["Allow"]


def test_a_long_unit_key_cannot_hide_another_units_api(app, client, roster):
    from rcbingo.api import service as api
    from rcbingo.org.service import load_roster

    key = "k" * 40
    load_roster({"units": [{"key": key, "name": "Long"}], "workgroups": [], "staff": []})
    _token, secret = api.create_token("Intranet", [unit_by_key(key)], can_write=False, can_export=False,
                                      actor=None)
    assert client.get(f"/api/v1/units/{key}zz/board").status_code == 404
    assert client.get(f"/api/v1/units/{key}/board", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_extreme_months_and_survey_numbers_are_refused_plainly(client, roster, make_account, auth):
    make_account(is_admin=True)
    auth.sign_in()
    month = client.post("/u/icu/newsletter", data={"csrf_token": auth.csrf(), "month": "9999-12"})
    assert month.status_code == 422 and "This is not a month we can read." in month.text
    for workgroups in (["999", "1"], ["99999999999999999999", "1"], ["²", "1"]):
        opened = client.post("/u/icu/surveys", data={"csrf_token": auth.csrf(), "name": "Wave",
                                                      "workgroups": workgroups, "invited-1": "99999999999999999999"})
        assert opened.status_code < 500
    roles = client.post("/admin/accounts/1", data={"csrf_token": auth.csrf(), "roles": ["²:coordinator", "x"],
                                                    "is_admin": "yes"})
    assert roles.status_code == 302


def test_a_search_opened_signed_out_keeps_its_words_out_of_the_sign_in_address(client, make_account):
    make_account()
    answer = client.get("/stories?words=Johnathan+Patientname")
    assert answer.status_code == 302 and "Patientname" not in answer.headers["Location"]
    from .conftest import csrf_from

    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    signed_in = client.post("/sign-in", data={"email": "coord@example.org", "password": PASSWORD, "csrf_token": token})
    assert signed_in.headers["Location"] == "/stories?words=Johnathan+Patientname"


def test_encoded_secrets_are_masked_in_the_access_log_too(app):
    patterns = secret_patterns(app.url_map)
    line = "GET /sign-in?next=%2Fstories%3Fwords%3DJohn%2BDoe%26unit%3Dicu HTTP/1.1 /wall%2FS3CRET/stream"
    masked = mask_secrets(line, patterns)
    assert "John" not in masked and "S3CRET" not in masked and "unit%3Dicu" in masked
    # what a card's type-ahead sends as each name is typed
    typed = "GET /u/icu/card/people?slot=nominees-0&nominees-0-name=Rosa+Del&nominator-name=Amy+Ash HTTP/1.1"
    masked = mask_secrets(typed, patterns)
    assert "Rosa" not in masked and "Amy" not in masked and "slot=nominees-0&" in masked


def test_a_closed_units_roster_is_not_listed_to_other_units_kiosks(client, roster):
    save_unit_settings(unit_by_key("ward"), review_first=False, require_enrolled_tablets=True, actor=None)
    from rcbingo.org.models import Person

    rita = db.session.scalar(select(Person).where(Person.name == "Rita Rehab"))
    found = client.get("/u/icu/card/people?slot=nominator&nominator-name=Rita").text
    row = client.get(f"/u/icu/card/person?slot=nominator&person={rita.id}").text
    assert "Rita" not in found and "Rita" not in row
    save_unit_settings(unit_by_key("ward"), review_first=False, require_enrolled_tablets=False, actor=None)
    assert "Rita Rehab" in client.get("/u/icu/card/people?slot=nominator&nominator-name=Rita").text


def test_a_card_without_a_sharing_answer_asks_for_one_and_keeps_the_rest(client, roster, card_form):
    for value in (None, "maybe"):
        response = client.post("/u/icu/card", data=card_form(consent_publish=value))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Say whether we may share your story" in page and "open for a long time" not in page
        assert "Phil called within minutes" in page


def test_a_secret_in_an_address_the_app_does_not_route_is_masked_too(app):
    """Dot segments, a backslash or a raw quote make an address no route matches (a 404), yet it holds the secret."""
    import secrets

    patterns, token = secret_patterns(app.url_map), secrets.token_urlsafe(24)  # as a display link's
    for line in (f"GET /wall/./{token} HTTP/1.1", f"GET /wall/%2E/{token}/stream HTTP/1.1",
                 f"GET /wall/{token}/../{token} HTTP/1.1", f"GET /wall\\{token} HTTP/1.1"):
        assert token not in mask_secrets(line, patterns), line
    for typed in ('nominees-0-name=John"Alvarez', 'nominees-0-name="JohnAlvarez'):
        assert "Alvarez" not in mask_secrets(f"GET /u/icu/card/people?slot=nominees-0&{typed} HTTP/1.1", patterns)
    assert mask_secrets("GET /static/htmx.min.js?v=2 HTTP/1.1", patterns) == "GET /static/htmx.min.js?v=2 HTTP/1.1"
