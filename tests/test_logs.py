"""No secret, typed name or bound value in any log: the access log masks what the app would read however the address
is spelled, and a database error is logged without its statement's values."""

import logging
import re

import pytest
from sqlalchemy import insert, text

from rcbingo.extensions import db
from rcbingo.logs import MaskingFilter, mask, secret_patterns
from rcbingo.org.models import Account

from .conftest import TEST_DATABASE_URL, _make_app

SECRET = "S3CRETvalue1"


def escaped(char: str, upper: bool = True) -> str:
    text = f"%{ord(char):02X}"
    return text if upper else text.lower()


def spellings(path: str) -> dict[str, str]:
    """The ways a client can write `path` that the app, or a retry after a 404, still reads as it: each letter of
    the route's words percent-encoded, lower-case hex, slashes as %2F, encoded twice, the words in capitals."""
    letters = [i for i, c in enumerate(path) if c.isalpha() and SECRET not in path[max(0, i - 12):i + 12]]
    first = letters[0] if letters else None
    ways = {"plain": path, "slashes as %2F": path[:1] + path[1:].replace("/", "%2F"),
            "capitals": path.replace(SECRET, "\0").upper().replace("\0", SECRET)}
    if first is not None:
        ways["a letter encoded"] = path[:first] + escaped(path[first]) + path[first + 1:]
        ways["a letter encoded, lower-case hex"] = path[:first] + escaped(path[first], False) + path[first + 1:]
        ways["a letter encoded twice"] = path[:first] + "%25" + escaped(path[first])[1:] + path[first + 1:]
    return ways


def secret_paths(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if {"token", "link", "code", "secret"} & rule.arguments:
            path = re.sub(r"<int:[^>]+>", "7", rule.rule)
            paths.append(re.sub(r"<[^>]+>", SECRET, path))
    return paths


def test_a_secret_in_an_address_is_masked_however_the_address_is_spelled(app):
    patterns = secret_patterns(app.url_map)
    leaks = [f"{way}: {masked}" for path in secret_paths(app) for way, spelled in spellings(path).items()
             for line in (f"GET {spelled}?x=1 HTTP/1.1", f"https://rcbingo.example{spelled}",
                          f"GET /sign-in?next={spelled.replace('/', '%2F')} HTTP/1.1")
             if SECRET in (masked := mask(line, patterns))]
    assert leaks == []


@pytest.mark.parametrize("query", [
    "words=Mr+Alvarez+room+12", "%77ords=Mr+Alvarez+room+12", "%2577ords=Mr+Alvarez+room+12",
    "WoRdS=Mr+Alvarez+room+12", "w%6Frds=Mr+Alvarez+room+12", "unit=icu&words=Mr+Alvarez+%26+room+12&page=2",
    "words=Mr%20Alvarez%20room%2012", "nominees-0-name=Mr+Alvarez+room+12", "nominees-0-n%61me=Mr+Alvarez+room+12",
    "next=%2Fstories%3Fwords%3DMr%2BAlvarez%2Broom%2B12", "next=%2Fstories%3F%2577ords%3DMr%2BAlvarez%2Broom%2B12",
])
def test_a_typed_name_or_search_in_a_query_is_masked_however_it_is_spelled(app, query):
    masked = mask(f"GET /stories?{query} HTTP/1.1", secret_patterns(app.url_map))
    assert "Alvarez" not in masked and "room" not in masked, masked


# What the app's edge (text.normalise) drops from, or folds in, a parameter's name: invisible and control characters,
# full-width letters.
DISGUISES = {"zero-width space": "\u200b", "zero-width non-joiner": "\u200c", "word joiner": "\u2060",
             "soft hyphen": "\u00ad", "byte order mark": "\ufeff", "tag": "\U000e0041", "NUL": "\x00",
             "unit separator": "\x1f", "right-to-left override": "\u202e"}


def disguised_keys(key: str) -> dict[str, str]:
    """`key` spelled as the app still reads it: each disguise inside and at the end, and each of its letters
    (in turn) full-width."""
    ways = {f"{name} inside": key[:2] + char + key[2:] for name, char in DISGUISES.items()}
    ways |= {f"{name} at the end": key + char for name, char in DISGUISES.items()}
    ways |= {f"full-width {c!r} at {i}": key[:i] + chr(ord(c) + 0xFEE0) + key[i + 1:]
             for i, c in enumerate(key) if c.isalpha()}
    return ways


@pytest.mark.parametrize("key", ["words", "nominator-name", "nominees-0-name"])
def test_a_parameter_name_the_app_reads_as_private_is_masked_however_it_is_disguised(app, key):
    from urllib.parse import quote

    from flask import request

    patterns, leaks = secret_patterns(app.url_map), []
    for way, disguised in disguised_keys(key).items():
        query = f"{quote(disguised.encode('utf-8'), safe='')}=Mr+Alvarez+room+12&unit=icu"
        with app.test_request_context(f"/stories?{query}"):
            assert request.args.get(key) == "Mr Alvarez room 12", way  # the app reads it as `key`
        for line in (f"GET /stories?{query} HTTP/1.1", f"GET /sign-in?next={quote('/stories?' + query, safe='')}"):
            masked = mask(line, patterns)
            if "Alvarez" in masked or "\n" in masked or "unit" not in masked:
                leaks.append(f"{way}: {masked}")
    assert leaks == []


def test_the_development_servers_log_masks_an_encoded_address_too(app):
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", f"GET /w%61ll/{SECRET}/stream HTTP/1.1", "200", "-"), None)
    MaskingFilter(secret_patterns(app.url_map)).filter(record)
    assert SECRET not in record.getMessage() and "/wall/[hidden]/stream" in record.getMessage()


def test_a_database_error_is_logged_without_the_values_of_its_statement(database_uri, caplog):
    app = _make_app(database_uri, PROPAGATE_EXCEPTIONS=False)
    row = {"email": "leaky@example.org", "name": "Lee Leaky", "password_hash": "pbkdf2:LEAKY-HASH", "is_admin": False}

    @app.get("/force-a-database-error")
    def force():
        db.session.execute(insert(Account).values(**row))
        db.session.execute(insert(Account).values(**row))  # the same email again: refused by its unique constraint
        return "not reached"

    @app.get("/force-a-data-error")
    def force_data():  # PostgreSQL quotes a value it cannot read in its message (SQLite reads it as 0)
        return str(db.session.scalar(text("SELECT CAST(:value AS INTEGER)"), {"value": row["password_hash"]}))

    with caplog.at_level(logging.DEBUG):
        assert app.test_client().get("/force-a-database-error").status_code == 500
        app.test_client().get("/force-a-data-error")
    assert "IntegrityError" in caplog.text and ("DataError" in caplog.text or not TEST_DATABASE_URL)
    for value in ("LEAKY-HASH", "Lee Leaky", "leaky@example"):
        assert value not in caplog.text


def test_an_error_on_a_secret_route_is_logged_without_the_secret(database_uri, caplog):
    """Flask logs `Exception on <path> [METHOD]` and the traceback: on every route with a secret in its address, made
    to fail with the secret in its message too, neither shows it (nor the words searched for)."""
    app = _make_app(database_uri, PROPAGATE_EXCEPTIONS=False)
    rules = [rule for rule in app.url_map.iter_rules() if {"token", "link", "code", "secret"} & rule.arguments]
    assert len(rules) >= 4  # walls, survey links and codes, tablet enrolment

    def fail(**values):
        raise RuntimeError(f"could not serve {values}")

    for rule in rules:
        app.view_functions[rule.endpoint] = fail
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        for rule in rules:
            path = re.sub(r"<int:[^>]+>", "7", rule.rule)
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS", "HEAD"})[0]
            answer = client.open(re.sub(r"<[^>]+>", SECRET, path) + "?words=Alvarez+room+12", method=method)
            assert answer.status_code in (400, 500), (rule.rule, answer.status_code)
    assert caplog.text.count("Exception on ") >= len(rules) - 1  # (a POST may stop at its CSRF check first)
    assert "[hidden]" in caplog.text and "RuntimeError: could not serve" in caplog.text
    assert SECRET not in caplog.text and "Alvarez" not in caplog.text
