"""Signing in and out, sessions that end, passwords, the first administrator."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug import security

from rcbingo.audit.models import AuditEvent
from rcbingo.extensions import db
from rcbingo.org import accounts, passwords
from rcbingo.org.models import Account, SignIn
from rcbingo.org.service import unit_by_key

from .conftest import PASSWORD, Auth, _make_app, csrf_from, fresh


def audit_actions() -> list[str]:
    fresh()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_coordinator_signs_in_and_reaches_their_overview(client, auth, roster, make_account):
    make_account(roles=[("icu", "coordinator")])
    response = auth.sign_in()
    assert response.status_code == 302 and response.headers["Location"] == "/manage"
    page = client.get("/manage").get_data(as_text=True)
    assert "Intensive Care" in page and "Review cards" in page
    assert "Surgical Ward" not in page
    assert "sign_in" in audit_actions()


def test_a_wrong_password_is_refused_and_audited_without_the_typed_email(client, auth, roster, make_account):
    make_account()
    response = auth.sign_in(password="not the password at all")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/manage").status_code == 302
    unknown = auth.sign_in(email="typo-secret@example.org")
    assert unknown.status_code == 401
    fresh()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).all()
    assert len(events) == 2
    assert all("typo-secret" not in f"{e.subject} {e.detail} {e.actor}" for e in events)


def test_sign_in_starts_a_fresh_session(client, auth, roster, make_account):
    make_account()
    client.get("/u/icu/card")
    with client.session_transaction() as session:
        session["left_over"] = "from before"
        before = session["csrf_token"]
    auth.sign_in()
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert session.get("csrf_token") != before


def test_signing_out_ends_the_session_on_the_server(app, client, auth, roster, make_account):
    make_account()
    auth.sign_in()
    with client.session_transaction() as session:
        stolen = dict(session)
    client.post("/sign-out", data={"csrf_token": auth.csrf()})
    assert client.get("/manage").status_code == 302
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/manage").status_code == 302


def test_a_disabled_account_loses_its_session_at_once(app, client, auth, roster, make_account):
    coordinator = make_account(roles=[("icu", "coordinator")])
    make_account("admin@example.org", is_admin=True)
    auth.sign_in()
    assert client.get("/manage").status_code == 200
    admin_client = app.test_client()
    admin = Auth(admin_client)
    admin.sign_in("admin@example.org")
    admin_client.post(f"/admin/accounts/{coordinator.id}/disable", data={"csrf_token": admin.csrf()})
    assert client.get("/manage").status_code == 302
    assert auth.sign_in().status_code == 401


@pytest.mark.parametrize(("idle", "age", "alive"), [
    (timedelta(minutes=29), timedelta(minutes=29), True),
    (timedelta(minutes=31), timedelta(minutes=31), False),
    (timedelta(minutes=10), timedelta(hours=11, minutes=59), True),
    (timedelta(minutes=10), timedelta(hours=12, minutes=1), False),
])
def test_sessions_end_after_30_idle_minutes_or_12_hours(client, auth, roster, make_account, idle, age, alive):
    make_account()
    auth.sign_in()
    fresh()
    sign_in = db.session.scalar(select(SignIn))
    now = sign_in.started_at
    sign_in.started_at, sign_in.seen_at = now - age, now - idle
    db.session.commit()
    assert (client.get("/manage").status_code == 200) is alive


def test_a_changed_password_ends_the_other_sessions(app, client, auth, roster, make_account):
    make_account()
    auth.sign_in()
    other = app.test_client()
    Auth(other).sign_in()
    response = client.post("/account/password", data={
        "csrf_token": auth.csrf(), "current": PASSWORD, "new": "a brand new long password",
        "confirm": "a brand new long password"})
    assert response.status_code == 302
    assert other.get("/manage").status_code == 302
    assert client.get("/manage").status_code == 200
    assert accounts.check_password(db.session.get(Account, 1), "a brand new long password")


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong", "a brand new long password", "a brand new long password", "That is not your current password."),
    (PASSWORD, "short", "short", "Use at least 12 characters."),
    (PASSWORD, "a brand new long password", "a different long password", "The two new passwords are not the same."),
])
def test_a_bad_password_change_says_why(client, auth, roster, make_account, current, new, confirm, message):
    make_account()
    auth.sign_in()
    response = client.post("/account/password", data={
        "csrf_token": auth.csrf(), "current": current, "new": new, "confirm": confirm})
    assert message in response.get_data(as_text=True)


def test_repeated_failed_sign_ins_are_slowed_per_account_and_device(app, client, auth, roster, make_account):
    make_account()
    make_account("other@example.org")
    for _ in range(5):
        assert auth.sign_in(password="wrong password").status_code == 401
    blocked = auth.sign_in()
    assert blocked.status_code == 429
    assert "Wait a minute" in blocked.get_data(as_text=True)
    # Another account on the same tablet, and the same account from another address, still get in.
    assert auth.sign_in("other@example.org").status_code == 302
    elsewhere = app.test_client()
    token = csrf_from(elsewhere.get("/sign-in").get_data(as_text=True))
    ok = elsewhere.post("/sign-in", data={"email": "coord@example.org", "password": PASSWORD,
                                          "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert ok.status_code == 302


def test_sign_in_never_redirects_off_site(client, auth, roster, make_account):
    make_account()
    token = auth.csrf("/sign-in")
    response = client.post("/sign-in?next=//evil.example/x",
                           data={"email": "coord@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/manage"


def test_create_admin_reads_the_password_from_standard_input(runner, auth, client):
    result = runner.invoke(args=["create-admin", "boss@example.org"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert auth.sign_in("boss@example.org", "a long enough password").status_code == 302
    assert "Accounts" in client.get("/manage").get_data(as_text=True)


def test_create_admin_refuses_a_short_password_and_a_second_account(runner):
    assert "at least 12" in runner.invoke(args=["create-admin", "a@example.org"], input="short\n").output
    runner.invoke(args=["create-admin", "a@example.org"], input="a long enough password\n")
    again = runner.invoke(args=["create-admin", "a@example.org"], input="a long enough password\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_an_admin_adds_an_account_and_gives_it_roles(client, auth, roster, make_account):
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    response = client.post("/admin/accounts", data={
        "csrf_token": auth.csrf(), "name": "Ed Editor", "email": "ed@example.org",
        "password": "another long password"})
    assert response.status_code == 302
    fresh()
    ed = accounts.account_by_email("ed@example.org")
    icu = unit_by_key("icu")
    client.post(f"/admin/accounts/{ed.id}", data={"csrf_token": auth.csrf(), "roles": [f"{icu.id}:editor"]})
    fresh()
    assert db.session.get(Account, ed.id).role_set() == {(icu.id, "editor")}
    assert {"account_created", "roles_changed"} <= set(audit_actions())


SIGN_IN_ELSEWHERE = """
import re, sys
from rcbingo import create_app
app = create_app({"SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "RATELIMIT_KEY_PREFIX": sys.argv[3]})
client = app.test_client()
for _ in range(int(sys.argv[4])):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/sign-in").text).group(1)
    print(client.post("/sign-in", data={"email": "coord@example.org", "password": "wrong password",
                                        "csrf_token": token}).status_code)
"""


def test_sign_in_limits_hold_across_worker_processes(database_uri, make_account, roster):
    """Two workers count one account's failures together when the limits live in Redis."""
    import subprocess
    import sys
    import uuid

    redis, prefix = "redis://127.0.0.1:6379", f"rcbingo-test-{uuid.uuid4().hex}"
    make_account()
    this_worker = _make_app(database_uri, RATELIMIT_STORAGE_URI=redis, RATELIMIT_KEY_PREFIX=prefix).test_client()
    auth = Auth(this_worker)
    for _ in range(3):
        assert auth.sign_in(password="wrong password").status_code == 401
    other_worker = subprocess.run([sys.executable, "-c", SIGN_IN_ELSEWHERE, str(database_uri), redis, prefix, "2"],
                                  capture_output=True, text=True, timeout=60, check=True)
    assert other_worker.stdout.split() == ["401", "401"]
    assert auth.sign_in().status_code == 429


def test_a_device_that_signed_in_before_is_not_locked_out_by_others_failures(app, roster, make_account):
    """An attacker behind the hospital's one address locks the account out for devices without a device cookie;
    the coordinator's own device, with its cookie, still signs in with the right password; the attacker does not."""
    make_account()
    nat = {"REMOTE_ADDR": "10.1.1.1"}

    def sign_in(client, password=PASSWORD, address=nat):
        token = csrf_from(client.get("/sign-in").get_data(as_text=True))
        return client.post("/sign-in", data={"email": "Coord@example.org ", "password": password,
                                             "csrf_token": token}, environ_base=address)

    coordinator, attacker = app.test_client(), app.test_client()
    first = sign_in(coordinator)
    assert first.status_code == 302
    cookie = next(c for c in first.headers.getlist("Set-Cookie") if c.startswith("rcbingo_device="))
    assert all(part in cookie for part in ("HttpOnly", "Path=/sign-in", "SameSite=Strict", "Expires="))
    coordinator.post("/sign-out", data={"csrf_token": csrf_from(coordinator.get("/manage").get_data(as_text=True))})
    for _ in range(4):  # (the coordinator's first sign-in, from that address without a cookie, counted one)
        assert sign_in(attacker, "wrong password").status_code == 401
    assert sign_in(attacker).status_code == 429  # locked out on that address, the right password too
    assert sign_in(app.test_client()).status_code == 429  # so is any other device without a cookie there
    assert sign_in(coordinator).status_code == 302  # the coordinator's own device is not
    assert sign_in(attacker).status_code == 429
    forged = app.test_client()
    forged.set_cookie("rcbingo_device", "W1siYWJjIiwieHl6Il1d.forged", path="/sign-in")
    assert sign_in(forged).status_code == 429


def test_a_trusted_device_has_its_own_small_allowance(app, roster, make_account):
    make_account()
    make_account("other@example.org")
    device = app.test_client()

    def sign_in(email="coord@example.org", password=PASSWORD):
        token = csrf_from(device.get("/sign-in").get_data(as_text=True))
        return device.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})

    assert sign_in().status_code == 302
    device.post("/sign-out", data={"csrf_token": csrf_from(device.get("/manage").get_data(as_text=True))})
    for _ in range(5):
        assert sign_in(password="wrong password").status_code == 401
    assert sign_in().status_code == 429  # its own failures count, against its own allowance
    assert sign_in("other@example.org", "wrong password").status_code == 401  # not trusted for that one: the address's


def _sign_ins_at_once(app, emails_and_passwords, address="10.2.2.2") -> list:
    """The answers to sign-ins sent at the same instant, each from its own device at `address`."""
    devices = [app.test_client() for _ in emails_and_passwords]
    tokens = [csrf_from(device.get("/sign-in").get_data(as_text=True)) for device in devices]
    answers, start = [], threading.Barrier(len(devices))

    def send(device, token, email, password):
        start.wait()
        answers.append(device.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                                   environ_base={"REMOTE_ADDR": address}))

    threads = [threading.Thread(target=send, args=(device, token, *pair))
               for device, token, pair in zip(devices, tokens, emails_and_passwords, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_guesses_sent_at_once_are_each_counted_before_any_is_checked(app, roster, make_account, monkeypatch):
    """20 wrong passwords for one account at the same instant: the limit (5 a minute) holds; the others are never
    checked."""
    make_account()
    app.config["SIGN_IN_HASH_WAIT_SECONDS"] = 60  # what is counted here, not how long a busy server makes one wait
    checked = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda *args: checked.append(1) or real(*args))
    answers = _sign_ins_at_once(app, [("coord@example.org", f"guess {n}") for n in range(20)])
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 15
    assert len(checked) == 5


def test_one_address_trying_many_emails_is_slowed_before_any_hash(app, roster, make_account):
    """Random emails are each a new account to the account's limit; the address's own budget holds them, while a
    device that signed in before, and other addresses, still get in."""
    make_account()
    app.config["SIGN_INS_PER_ADDRESS"] = "5 per minute"
    here = {"REMOTE_ADDR": "10.3.3.3"}

    def sign_in(client, email, typed="any password", address=here):
        token = csrf_from(client.get("/sign-in").get_data(as_text=True))
        return client.post("/sign-in", data={"email": email, "password": typed, "csrf_token": token},
                           environ_base=address)

    coordinator = app.test_client()
    assert sign_in(coordinator, "coord@example.org", PASSWORD, {"REMOTE_ADDR": "10.4.4.4"}).status_code == 302
    attacker = app.test_client()
    answers = [sign_in(attacker, f"{uuid.uuid4().hex}@example.org") for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    refused = sign_in(attacker, f"{uuid.uuid4().hex}@example.org")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Many sign-ins were tried from this network in the last minute" in refused.get_data(as_text=True)
    assert sign_in(app.test_client(), "coord@example.org", PASSWORD).status_code == 429
    assert sign_in(coordinator, "coord@example.org", PASSWORD).status_code == 302  # its own device, same address
    assert sign_in(app.test_client(), "coord@example.org", PASSWORD, {"REMOTE_ADDR": "10.5.5.5"}).status_code == 302


def test_an_ipv6_network_counts_as_one_address_for_sign_ins(app, roster, make_account):
    """As for cards: one /64 is one client, which could otherwise take a new address for every guess."""
    make_account()

    def sign_in(address, typed="wrong password"):
        client = app.test_client()
        token = csrf_from(client.get("/sign-in").get_data(as_text=True))
        return client.post("/sign-in", data={"email": "coord@example.org", "password": typed,
                                             "csrf_token": token}, environ_base={"REMOTE_ADDR": address}).status_code

    assert [sign_in(f"2001:db8:1:2::{n}") for n in range(1, 6)] == [401] * 5
    assert sign_in("2001:db8:1:2::99", PASSWORD) == 429
    assert sign_in("2001:db8:1:3::1", PASSWORD) == 302


def test_password_hashes_run_a_few_at_a_time_and_the_rest_wait_briefly(app, roster, make_account, monkeypatch):
    """A burst of sign-ins cannot take every core of the server: past SIGN_IN_HASHES_AT_ONCE, a sign-in waits for
    a turn, and gets a 503 with Retry-After if none comes within SIGN_IN_HASH_WAIT_SECONDS."""
    make_account()
    app.config.update(SIGN_IN_HASHES_AT_ONCE=1, SIGN_IN_HASH_WAIT_SECONDS=0.3)
    real, at_once, most = security.check_password_hash, [], []

    def slow(*args):
        at_once.append(1)
        most.append(len(at_once))
        time.sleep(1)
        at_once.pop()
        return real(*args)

    monkeypatch.setattr(security, "check_password_hash", slow)
    answers = _sign_ins_at_once(app, [("coord@example.org", f"guess {n}") for n in range(3)], address="10.6.6.6")
    assert sorted(a.status_code for a in answers) == [401, 503, 503] and max(most) == 1
    busy = next(a for a in answers if a.status_code == 503)
    assert busy.headers["Retry-After"] == "5" and "Try again in a few seconds" in busy.get_data(as_text=True)


def test_an_unknown_email_costs_a_password_hash_as_a_known_one_does(client, auth, roster, make_account, monkeypatch):
    make_account()
    checked = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda *args: checked.append(args[0]) or real(*args))
    assert auth.sign_in("nobody@example.org", "wrong password").status_code == 401
    assert auth.sign_in("coord@example.org", "wrong password").status_code == 401
    assert len(checked) == 2 and all(h.startswith("scrypt:") for h in checked) and checked[0] != checked[1]


def test_sign_in_waits_with_its_email_kept_while_the_sign_in_counts_cannot_be_kept(database_uri, roster, make_account):
    """With Redis (where the attempts are counted) away, no attempt goes uncounted: the page says to try again in a
    minute (503 with Retry-After), keeps the email typed, and never answers 500."""
    make_account()
    app = _make_app(database_uri, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    client = app.test_client()
    answer = Auth(client).sign_in()
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "Signing in is paused for a moment" in page and 'value="coord@example.org"' in page
    with app.app_context():
        db.engine.dispose()


def test_changing_a_password_while_every_hash_turn_is_taken_asks_to_try_again(app, client, auth, roster, make_account):
    """A password change that finds no turn to hash is answered on its own form (503), not with a server error,
    and the password stays as it was."""
    make_account()
    auth.sign_in()
    app.config.update(SIGN_IN_HASH_WAIT_SECONDS=0.1)
    held = passwords._turns(app.config["SIGN_IN_HASHES_AT_ONCE"])
    for _turn in range(app.config["SIGN_IN_HASHES_AT_ONCE"]):
        held.acquire()
    try:
        answer = client.post("/account/password", data={
            "csrf_token": auth.csrf("/account/password"), "current": PASSWORD,
            "new": "a brand new passphrase here", "confirm": "a brand new passphrase here"})
    finally:
        for _turn in range(app.config["SIGN_IN_HASHES_AT_ONCE"]):
            held.release()
    assert answer.status_code == 503 and "Try again in a few seconds" in answer.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": auth.csrf()})
    assert auth.sign_in().status_code == 302


def test_a_password_hash_is_made_with_no_transaction_open(app, roster, make_account, monkeypatch):
    """A hash may wait seconds for its turn: meanwhile it holds no connection and, on SQLite, no write lock, which
    every card and sign-in of the server would otherwise wait for."""
    account = make_account()
    open_while_hashing = []

    def watched(work):
        return lambda *args: open_while_hashing.append(db.session().in_transaction()) or work(*args)

    monkeypatch.setattr(security, "generate_password_hash", watched(security.generate_password_hash))
    monkeypatch.setattr(security, "check_password_hash", watched(security.check_password_hash))
    db.session.get(Account, account.id)  # a request has read before it hashes
    assert accounts.check_password(db.session.get(Account, account.id), PASSWORD)
    accounts.change_password(db.session.get(Account, account.id), "another long passphrase")
    accounts.create_account("new@example.org", "New Person", "a third long passphrase")
    assert open_while_hashing == [False, False, False]


def test_an_email_another_administrator_just_took_is_refused_on_the_form(client, auth, roster, make_account,
                                                                          monkeypatch):
    make_account(is_admin=True)
    make_account("taken@example.org")
    auth.sign_in()
    monkeypatch.setattr(accounts, "account_by_email", lambda email: None)  # the other's insert came after this check
    answer = client.post("/admin/accounts", data={
        "csrf_token": auth.csrf("/admin/accounts"), "email": "taken@example.org", "name": "Someone",
        "password": "a long enough passphrase"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "An account with this email already exists." in page
    assert 'value="Someone"' in page
