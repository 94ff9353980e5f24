"""Fixtures: a fresh app and database per test, on SQLite or on PostgreSQL (TEST_DATABASE_URL)."""

import contextvars
import os
import re
import shutil
import threading

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from rcbingo import create_app
from rcbingo.config import database_url
from rcbingo.extensions import db
from rcbingo.org.service import load_roster

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (g, database session, signed-in account), as in production,
    even while the test itself holds an app context open to look at the database."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _make_app(url: str, **settings):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url, **settings})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The migrations, run once: a SQLite file each test copies, or the PostgreSQL database each test empties."""
    if TEST_DATABASE_URL:
        url = database_url(TEST_DATABASE_URL)
        app = _make_app(url)
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            upgrade()
            db.engine.dispose()
        return url
    template = tmp_path_factory.mktemp("template") / "rcbingo.sqlite3"
    app = _make_app(f"sqlite:///{template}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return template


@pytest.fixture
def database_uri(migrated_database, tmp_path):
    if TEST_DATABASE_URL:
        app = _make_app(migrated_database)
        with app.app_context():
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
            db.engine.dispose()
        return migrated_database
    copy = tmp_path / "rcbingo.sqlite3"
    shutil.copy(migrated_database, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(database_uri):
    app = _make_app(database_uri)
    with app.app_context():
        yield app
        if "rcbingo_watcher" in app.extensions:  # its walls are gone: it must not read the next test's data
            app.extensions["rcbingo_watcher"].stop()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


ROSTER = {
    "organization": "Test General",
    "program_name": "Ward Connections",
    "units": [{"key": "icu", "name": "Intensive Care"}, {"key": "ward", "name": "Surgical Ward"}],
    "workgroups": [
        {"key": "nurses", "name": "Nurses"},
        {"key": "pharmacists", "name": "Pharmacists"},
        {"key": "rehab", "name": "Rehabilitation therapists"},
    ],
    "staff": [
        {"name": "Nora Nurse", "workgroup": "nurses", "unit": "icu"},
        {"name": "Ned Night", "workgroup": "nurses", "unit": "icu"},
        {"name": "Phil Pharma", "workgroup": "pharmacists", "unit": "icu"},
        {"name": "Rita Rehab", "workgroup": "rehab", "unit": "ward"},
    ],
}


@pytest.fixture
def roster(app):
    """A small organization: two units, three workgroups, four people."""
    load_roster(ROSTER)
    return ROSTER


def filled_card(client, unit="icu", **overrides) -> dict:
    """The fields of a filled, valid card as the kiosk page would send them to `client`, with its tokens."""
    page = client.get(f"/u/{unit}/card").get_data(as_text=True)
    fields = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
        "submission_id": re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1),
        "nominator-name": "Nora Nurse",
        "nominator-workgroup": "nurses",
        "nominator-unit": "icu",
        "nominees-0-name": "Phil Pharma",
        "nominees-0-workgroup": "pharmacists",
        "nominees-0-unit": "icu",
        "dimensions": ["timely", "accurate"],
        "practice": "Checked the dose before it was hung",
        "story": "Phil called within minutes with the corrected rate.",
        "consent_publish": "yes",
        "show_nominator_name": "yes",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


@pytest.fixture
def card_form(client):
    """Builder: the fields of a filled, valid card as the kiosk page would send them, with its tokens."""
    return lambda unit="icu", **overrides: filled_card(client, unit, **overrides)


@pytest.fixture
def live_server(app):
    """The app served on a free local port in a background thread, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from .browser import CHROMIUM_ARGS, chromium_or_skip

    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser, live_server):
    """A page on a tablet held upright (768×1024), with the app's address as its base."""
    from .browser import TABLET_PORTRAIT

    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_account(app):
    """Builder: an account with roles given as (unit key, role) pairs."""
    from rcbingo.org import accounts
    from rcbingo.org.service import unit_by_key

    def build(email="coord@example.org", *, roles=(), is_admin=False, password=PASSWORD, name="Casey Coordinator"):
        account = accounts.create_account(email, name, password, is_admin=is_admin)
        if roles or is_admin:
            accounts.set_roles(account, {(unit_by_key(u).id, r) for u, r in roles}, is_admin, actor=None)
        return account

    return build


def csrf_from(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    return match.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def sign_in(self, email="coord@example.org", password=PASSWORD):
        token = csrf_from(self.client.get("/sign-in").get_data(as_text=True))
        return self.client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})

    def csrf(self, url="/manage") -> str:
        return csrf_from(self.client.get(url).get_data(as_text=True))


@pytest.fixture
def auth(client):
    return Auth(client)


def sign_in_on(page, email: str, base: str = "") -> None:
    """Sign in as a person does in the browser, and wait until the sign-in page is left."""
    page.goto(base + "/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def fresh():
    """Look at the database as it is now: requests wrote in their own sessions."""
    db.session.rollback()
    db.session.expire_all()
