"""Hostile input through every route, generated from app.url_map: no server error, no redirect to another site,
no injected Content-Disposition parameter, no live markup in any page.

Nothing here lists routes. For each URL rule the test fills its path variables with real ids of a seeded
organization (and with hostile values), finds what the view reads by recording `request.args`, `request.form`,
headers and cookies during a benign request, finds the fields of its forms and the query of its links on the app's
own pages (crawled once), and sends each hostile line in all of them at once: per route, method and line, one
request with every field hostile and one where choices, hidden ids, emails and passwords keep working values so the
view goes deeper (sign-in succeeds, a card is stored, an action runs). API bodies are shaped by the OpenAPI document.
The lines include invisible and look-alike characters: afterwards no stored text may hold an invisible character
(every field of every form passed the edge's one normalisation, so the screen reads what pages show).
"""

import contextvars
import uuid
from dataclasses import dataclass, field
from datetime import date

import flask
import pytest
from flask import got_request_exception
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from rcbingo import create_app
from rcbingo.api import service as api
from rcbingo.api.openapi import document
from rcbingo.board import service as board
from rcbingo.cards import service as cards
from rcbingo.cards.models import CardStatus
from rcbingo.cards.rules import Draft, Entry
from rcbingo.extensions import db
from rcbingo.newsletter import service as newsletter
from rcbingo.org import tablets
from rcbingo.org.models import Person, Workgroup
from rcbingo.org.service import active_units, save_unit_settings, unit_by_key
from rcbingo.rc import DIMENSION_KEYS
from rcbingo.survey import service as survey
from rcbingo.survey.models import Wave

from . import hostile
from .conftest import PASSWORD, Auth, csrf_from, fresh

LINES = hostile.hostile_lines()
# A 10,000-character cookie is one of the inputs: the test client warns that browsers would drop it.
pytestmark = pytest.mark.filterwarnings("ignore:The '.*' cookie is too large:UserWarning")
BIG_IDS = ["0", "2147483648", "9223372036854775808", "99999999999999999999", "-1"]
SKIPPED = {"static"}
NOT_SENT_AS_HOSTILE = {"authorization", "cookie", "content-type", "content-length", "host", "x-csrftoken"}


@dataclass
class World:
    """A seeded organization: one of everything, an administrator, and a tablet enrolled in the ICU."""

    ids: dict[str, list]
    admin_email: str
    device: str
    bearer: str
    errors: list = field(default_factory=list)
    reads: hostile.Reads = field(default_factory=hostile.Reads)

    def new_enrolment_link(self) -> str:
        _tablet, link = tablets.create_enrolment(unit_by_key("icu"), "Spare tablet", actor=None)
        return link

    def new_answer_code(self) -> str:
        wave = db.session.get(Wave, self.ids["wave"][0])
        return survey.issue_codes(wave, 1, actor=None)[0]


# How to fill each path variable, by name: candidate values (the first one whose page opens is used).
# A rule with a variable missing here fails test_every_path_variable_can_be_filled.
PATH_VALUES = {
    "unit_key": lambda w: ["icu"],
    "person_id": lambda w: w.ids["person"],
    "workgroup_id": lambda w: w.ids["workgroup"],
    "unit_id": lambda w: w.ids["unit"],
    "tablet_id": lambda w: w.ids["tablet"],
    "account_id": lambda w: w.ids["account"],
    "card_id": lambda w: w.ids["card"],
    "game_id": lambda w: w.ids["game"],
    "display_id": lambda w: w.ids["display"],
    "issue_id": lambda w: w.ids["issue"],
    "wave_id": lambda w: w.ids["wave"],
    "token": lambda w: w.ids["token"],  # a wall display's or a survey wave's secret
    "link": lambda w: [w.new_enrolment_link()],  # one-time: a new one for each visitor
    "code": lambda w: [w.new_answer_code()],  # a survey's one-time answer code
}

_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
RULES = {f"{','.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule}": r for r in _app.url_map.iter_rules()
         if r.endpoint not in SKIPPED}
del _app


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: (m != "GET", m))


def test_every_path_variable_can_be_filled(app):
    missing = sorted({f"{variable} (in {rule.rule})" for rule in app.url_map.iter_rules()
                      if rule.endpoint not in SKIPPED for variable in rule.arguments if variable not in PATH_VALUES})
    assert missing == [], f"add a way to build these path variables to PATH_VALUES: {missing}"


@pytest.fixture
def world(app, roster, make_account):
    """The ICU with a game won by pharmacists, a card published and one waiting for review, a draft newsletter,
    a survey wave, a wall display, tablets, an API token with every right; hooks that record what views read and
    the exceptions behind server errors."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    reads = hostile.Reads()
    errors = []
    app.before_request(lambda: reads.install(flask.request._get_current_object()))

    def keep(_sender, exception, **_extra):
        errors.append(exception)

    got_request_exception.connect(keep, app)
    icu = unit_by_key("icu")
    save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
    workgroups = list(db.session.scalars(select(Workgroup).order_by(Workgroup.id)))
    game = board.create_game(icu, title="Round", prize="Pizza", start_now=True,
                             workgroup_ids=[w.id for w in workgroups])
    nurse, pharmacist = Entry("Nora Nurse", "nurses", "icu"), Entry("Phil Pharma", "pharmacists", "icu")
    published, _ = cards.submit(Draft(nominator=nurse, nominees=(pharmacist,), dimensions=frozenset(DIMENSION_KEYS),
                                      practice="A call", story="Phil rang within minutes."), icu, uuid.uuid4().hex)
    issue = newsletter.draft(icu, date.today().replace(day=1))
    save_unit_settings(icu, review_first=True, require_enrolled_tablets=True, actor=None)
    waiting, _ = cards.submit(Draft(nominator=nurse, nominees=(pharmacist,), dimensions=frozenset({"timely"}),
                                    story="Waiting for review."), icu, uuid.uuid4().hex)
    assert (published.status, waiting.status) == (CardStatus.PUBLISHED, CardStatus.SUBMITTED)
    tablet, link = tablets.create_enrolment(icu, "Station", actor=None)
    device = tablets.enrol(tablets.waiting_tablet(link))
    spare, _link = tablets.create_enrolment(icu, "Spare", actor=None)
    display, wall_token = board.create_display(icu, "Wall")
    wave, survey_token = survey.open_wave(icu, name="Baseline", kind="staff", actor=None, open_link=True,
                                          invited={w.id: 10 for w in workgroups})
    _token, secret = api.create_token("Everything", active_units(), can_write=True, can_export=True, actor=None)
    make_account("admin@example.org", is_admin=True)
    other = make_account("coord@example.org", roles=[("icu", "coordinator")])
    fresh()
    ids = {"person": [db.session.scalar(select(Person.id).where(Person.unit_id == icu.id))],
           "workgroup": [workgroups[-1].id], "tablet": [spare.id, tablet.id], "account": [other.id],
           "card": [waiting.id, published.id], "game": [game.id], "display": [display.id], "issue": [issue.id],
           "wave": [wave.id], "token": [wall_token, survey_token], "unit": [unit_by_key("ward").id]}
    built = World(ids=ids, admin_email="admin@example.org", device=device, bearer=secret, errors=errors, reads=reads)
    yield built
    got_request_exception.disconnect(keep, app)


@dataclass
class Failure:
    visitor: str
    method: str
    url: str
    where: str
    value: str
    status: int | str
    cause: str

    def __str__(self):
        return (f"{self.method} {hostile.show(self.url, 90)} as {self.visitor}: {self.status} with "
                f"{hostile.show(self.value)} in {self.where}: {self.cause}")


class Visitor:
    """A browser (signed in as an administrator, or an enrolled tablet with nobody signed in) that sends requests
    and notes every server error with the exception behind it."""

    def __init__(self, app, world: World, name: str):
        self.app, self.world, self.name = app, world, name
        self.client = app.test_client()
        self.failures: list[Failure] = []
        self.sign_in_path = app.url_map.bind("localhost").build(app.login_manager.login_view)
        self.sessions = app.session_interface.get_signing_serializer(app)
        self.tokens = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        self.raw_csrf = self.csrf = None
        if name == "admin":
            self.sign_in()
        else:
            self.client.set_cookie(tablets.COOKIE, world.device)
            self.refresh_csrf()

    def sign_in(self):
        response = Auth(self.client).sign_in(self.world.admin_email)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.refresh_csrf()

    def refresh_csrf(self):
        """The form token for the session's CSRF secret, signed as Flask-WTF signs it; a page when there is none
        (signing in starts a fresh session, so a token taken before it would make every later change a 400)."""
        cookie = self.client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
        raw = (self.sessions.loads(cookie.value) if cookie else {}).get("csrf_token")
        if raw is None:
            self.csrf = csrf_from(self.client.get(self.sign_in_path).get_data(as_text=True))
            self.raw_csrf = None
        elif raw != self.raw_csrf:
            self.raw_csrf, self.csrf = raw, self.tokens.dumps(raw)

    def send(self, method, url, *, where="", value="", headers=None, cookies=None, **kwargs):
        """One request; returns (status, body text) and records a failure for a 5xx or an exception."""
        self.world.errors.clear()
        headers = dict(headers or {})
        if self.name == "admin":
            headers["Authorization"] = f"Bearer {self.world.bearer}"
        for name, content in (cookies or {}).items():
            self.client.set_cookie(name, content)
        status, text, location, disposition, mimetype = "raised", "", "", None, ""

        def exchange():
            response = FlaskClient.open(self.client, url, method=method, headers=headers, **kwargs)
            return (response.status_code, self._read(response), response.headers.get("Location", ""),
                    response.headers.get("Content-Disposition"), response.mimetype)

        try:
            # Its own context, as each request has in production; a stream is read and closed in it too.
            status, text, location, disposition, mimetype = contextvars.Context().run(exchange)
        except Exception as exc:  # an error while streaming, or in an error handler
            self.world.errors.append(exc)
        finally:
            for name in cookies or {}:
                self.client.delete_cookie(name)
        if status == "raised" or status >= 500:
            causes = [hostile.exception_summary(e) for e in self.world.errors] or ["(no exception recorded)"]
            self.failures.append(Failure(self.name, method, url, where, value, status, "; ".join(causes)))
        elif location and hostile.off_site(location):
            self.failures.append(Failure(self.name, method, url, where, value, status,
                                         f"redirects to another site: {location[:80]!r}"))
        elif problem := hostile.disposition_problem(disposition):
            self.failures.append(Failure(self.name, method, url, where, value, status, problem))
        elif mimetype == "text/html" and (markup := hostile.live_markup(text)):
            self.failures.append(Failure(self.name, method, url, where, value, status,
                                         "live markup: " + "; ".join(markup[:3])))
        if self.name == "admin" and self.signed_out(location):
            self.sign_in()
        elif method != "GET":
            self.refresh_csrf()
        return status, text, location

    def signed_out(self, location: str) -> bool:
        return location.split("?")[0].endswith(self.sign_in_path)

    @staticmethod
    def _read(response) -> str:
        return hostile.body(response)


# --- the crawl: what the app's pages offer each endpoint (the same for every test: the world is the same) ------

_offered: hostile.Offered | None = None


def offered(app, admin: Visitor, world: World) -> hostile.Offered:
    global _offered
    if _offered is None:
        found = hostile.Offered()
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIPPED or "GET" not in rule.methods:
                continue
            for values in candidate_values(rule, world):
                url = rule.build(values)[1]
                status, text, _location = admin.send("GET", url, where="crawl")
                if status == 200 and ("<form" in text or "href=" in text):
                    found.add_page(adapter, url, text)
                if status != 404:
                    break
        admin.failures.clear()  # each route's own test reports its errors
        _offered = found
    return _offered


def candidate_values(rule, world: World):
    """Each way to fill the rule's path variables with real values, best first."""
    options = {name: PATH_VALUES[name](world) for name in rule.arguments}
    longest = max((len(v) for v in options.values()), default=1)
    for i in range(longest):
        yield {name: values[min(i, len(values) - 1)] for name, values in options.items()}


def real_values(visitor: Visitor, rule, method: str) -> dict:
    """The first candidate path values under which the rule does not answer 404."""
    chosen = None
    for values in candidate_values(rule, visitor.world):
        chosen = values
        if method != "GET":
            break  # posting to find out would change things: the page's GET chose already
        status, _text, _location = visitor.send("GET", rule.build(values)[1], where="probe")
        if status != 404:
            break
    return chosen


# --- one rule ---------------------------------------------------------------------------------------------------

def exercise(app, visitor: Visitor, rule, found: hostile.Offered, spec: dict) -> None:
    """Every hostile line through one rule for one visitor: query, form, JSON, headers, cookies, path."""
    reads = visitor.world.reads
    for method in methods_of(rule):
        values = real_values(visitor, rule, method)
        url = rule.build(values)[1]
        examples = found.queries.get(rule.endpoint, {})
        forms = found.forms.get(rule.endpoint, [])
        operation = hostile.spec_operation(spec, rule, method)
        # A benign request first, to record what the view reads.
        reads.__init__()
        combos = [(form, submit) for form in forms for submit in (form.submits or [None])] or [(None, None)]
        benign_form = dict(deeper_fields(*combos[0], [f.name for form in forms[:1] for f in form.fields.values()],
                                         "Benign words", 0, visitor.world)) | {"csrf_token": visitor.csrf}
        if method == "GET":
            visitor.send(method, url, where="benign request", query_string=hostile.query_string(
                list(examples.items())))
        else:
            visitor.send(method, url, where="benign request", data=benign_form)
        args = sorted(reads.args | set(examples))
        form_names = sorted((reads.form | {f.name for form in forms for f in form.fields.values()}) - {"csrf_token"})
        header_names = sorted(reads.headers - NOT_SENT_AS_HOSTILE)
        cookie_names = sorted(reads.cookies - {c.key for c in visitor.client._cookies.values()})
        sent = set()
        for index, line in enumerate(LINES):
            header_line = hostile.header_value(line)
            extra = {"headers": dict.fromkeys(header_names, header_line) if header_line is not None else {},
                     "cookies": dict.fromkeys(cookie_names, header_line) if header_line is not None else {}}
            where = ", ".join(part for part in (
                f"query {args}" if args else "", f"headers {header_names}" if header_names and extra["headers"]
                else "", f"cookies {cookie_names}" if cookie_names and extra["cookies"] else "") if part)
            if method == "GET":
                every = [(k, line) for k in args]
                deeper = [(k, examples.get(k, line)) for k in args]
                # Each parameter alone too: one read after the others are checked is reached only when they pass.
                alone = [[(k, line)] for k in args] if len(args) > 1 else []
                for pairs in (every, deeper, *alone):
                    key = (method, tuple(pairs))
                    if key in sent or not (where or index == 0):
                        continue
                    sent.add(key)
                    visitor.send(method, url, where=where or "(nothing read)", value=line,
                                 query_string=hostile.query_string(pairs), **extra)
                continue
            if operation and "requestBody" in operation:
                schema = next(iter(operation["requestBody"]["content"].values()))["schema"]
                for typed in (False, True):
                    body = hostile.json_instance(schema, spec, line, typed, index)
                    visitor.send(method, url, where=f"JSON body ({'typed' if typed else 'every value'}), {where}",
                                 value=line, json=body, **extra)
                continue
            form, submit = combos[index % len(combos)]
            every = [(name, line) for name in form_names]
            deeper = deeper_fields(form, submit, form_names, line, index, visitor.world)
            target = f"{url}?{hostile.query_string([(k, line) for k in args])}" if args else url
            for pairs, how in ((every, "every field"), (deeper, "text fields, choices offered")):
                key = (method, target, tuple(pairs))
                if key in sent:
                    continue
                sent.add(key)
                send_form(visitor, method, target, pairs, form, how, line, where, extra)
        # Hostile path variables: each variable in turn, the others real.
        for name, converter in rule._converters.items():
            placeholder = 918273645 if converter.regex == r"\d+" else "HOSTILEPLACEHOLDER"
            template = rule.build(values | {name: placeholder})[1]
            is_int = type(converter).__name__ == "IntegerConverter"
            for value in BIG_IDS if is_int else LINES:
                path = template.replace(str(placeholder), value if is_int else hostile.path_segment(value))
                data = {"csrf_token": visitor.csrf} if method != "GET" else None
                visitor.send(method, path, where=f"path variable {name}", value=value, data=data)


def deeper_fields(form, submit, names, line, index, world: World) -> list[tuple[str, str]]:
    """Text fields carry the line; choices take an offered value (rotating, so two lists differ); hidden ids keep
    their value (nonces are renewed); email and password fields the administrator's, so sign-in forms succeed;
    the form's submit button says which action."""
    pairs = []
    fields = form.fields if form else {}
    for position, name in enumerate(names):
        spec = fields.get(name)
        if spec is None or spec.kind in (hostile.TEXT, hostile.FILE):
            pairs.append((name, line))
        elif spec.kind == hostile.EMAIL:
            pairs.append((name, world.admin_email))
        elif spec.kind == hostile.PASSWORD:
            pairs.append((name, PASSWORD))
        elif spec.kind == hostile.HIDDEN:
            pairs.append((name, hostile.fresh_nonce(spec.value)))
        else:
            options = [o for o in spec.options if o] or spec.options or [""]
            pairs.append((name, options[(index + position) % len(options)]))
    if submit:
        pairs = [(k, v) for k, v in pairs if k != submit[0]] + [submit]
    return pairs


def send_form(visitor, method, url, pairs, form, how, line, where, extra):
    files = {f.name for f in form.fields.values() if f.kind == hostile.FILE} if form else set()
    fields = [("csrf_token", visitor.csrf), *((k, v) for k, v in pairs if k not in files)]
    label = f"form ({how}){', ' + where if where else ''}"
    if files:
        body, content_type = hostile.multipart(fields, [(k, v) for k, v in pairs if k in files])
    else:
        body, content_type = hostile.query_string(fields), "application/x-www-form-urlencoded"
    visitor.send(method, url, where=label, value=line, data=body, content_type=content_type, **extra)


def opens_for(visitor: Visitor, rule) -> bool:
    """Whether the rule lets this visitor in at all (not a sign-in redirect, 401, 403 or 404)."""
    method = methods_of(rule)[0]
    values = next(candidate_values(rule, visitor.world))
    data = {"csrf_token": visitor.csrf} if method != "GET" else None
    status, _text, location = visitor.send(method, rule.build(values)[1], where="benign request", data=data)
    return status not in (401, 403, 404) and not visitor.signed_out(location)


@pytest.mark.parametrize("rule_id", RULES)
def test_hostile_input_gets_no_server_error_and_stays_inert(app, world, rule_id):
    rule = next(r for r in app.url_map.iter_rules() if r.rule == RULES[rule_id].rule
                and r.methods == RULES[rule_id].methods)
    admin = Visitor(app, world, "admin")
    found = offered(app, admin, world)
    spec = document("test")
    tablet = Visitor(app, world, "tablet")
    visitors = [admin]
    if opens_for(tablet, rule):  # kiosk, wall and survey routes: also as the enrolled tablet, nobody signed in
        visitors.insert(0, tablet)
    for visitor in visitors:
        exercise(app, visitor, rule, found, spec)
    failures = [f for v in visitors for f in v.failures]
    assert not failures, f"{len(failures)} failures on {rule_id}:\n{report(failures)}"
    fresh()
    unscreenable = hostile.stored_unscreenable(db.session, db.metadata)
    assert not unscreenable, f"stored without the edge's normalisation by {rule_id}:\n" + "\n".join(unscreenable[:20])


def report(failures: list[Failure]) -> str:
    """One line per method, place and cause, with the inputs that hit it."""
    causes: dict[tuple, list[Failure]] = {}
    for failure in failures:
        causes.setdefault((failure.method, failure.where.split(" (")[0], failure.cause), []).append(failure)
    lines = []
    for group in causes.values():
        others = ", ".join(hostile.show(f.value, 20) for f in group[1:6]) + ("…" if len(group) > 6 else "")
        lines.append(f"{len(group)}× {group[0]}" + (f" (also {others})" if others else ""))
    return "\n".join(lines)
