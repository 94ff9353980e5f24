"""Every request header that can change a URL, through every page a visitor opens without signing in, generated
from app.url_map: a hostile request leaves no trace in what the next, clean visitor is served (the page cache keeps
whole pages for visitors not signed in), with and without a proxy in front (PROXY_HOPS) and BASE_URL.

Nothing here lists routes: a new public route is covered as it is added.
"""

import contextvars
import re
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from rcbingo.org import tablets

from .conftest import _make_app
from .hostile import body
from .test_hostile import SKIPPED, candidate_values, world  # noqa: F401 - the seeded organization (a fixture)

EVIL_HOST = "evil.example"
EVIL_PREFIX = "/evilprefix"
# Each way a request can say where the app is. SCRIPT_NAME is set in the environ as gunicorn does when a trusted
# proxy sends it as a header: taken out of the path, which still starts with it.
HOSTILE = {
    "Host": {"headers": {"Host": EVIL_HOST}},
    "X-Forwarded-Host": {"headers": {"X-Forwarded-Host": EVIL_HOST}},
    "X-Forwarded-Prefix": {"headers": {"X-Forwarded-Prefix": EVIL_PREFIX}},
    "SCRIPT_NAME": {"environ_overrides": {"SCRIPT_NAME": EVIL_PREFIX}},
    "X-Forwarded-Proto": {"headers": {"X-Forwarded-Proto": "evilproto"}},
    "X-Forwarded-Port": {"headers": {"X-Forwarded-Port": "6666"}},
    "Forwarded": {"headers": {"Forwarded": f"host={EVIL_HOST};proto=evilproto"}},
    "X-Original-URL": {"headers": {"X-Original-URL": EVIL_PREFIX + "/", "X-Rewrite-URL": EVIL_PREFIX + "/"}},
    # What else a kept page could be made for: a fragment, another language, another kind of answer.
    "HX-Request": {"headers": {"HX-Request": "true", "HX-Target": "grid", "HX-Boosted": "true"}},
    "Accept-Language": {"headers": {"Accept-Language": "es, fr;q=0.9"}},
    "Accept": {"headers": {"Accept": "application/json, text/event-stream;q=0.9"}},
}
TRACES = (EVIL_HOST, EVIL_PREFIX.strip("/"), "evilproto", ":6666")  # (a port is seen after a colon)
SETUPS = {
    "development": {},
    "behind a proxy": {"PROXY_HOPS": 1},
    "BASE_URL with a prefix, behind a proxy": {"PROXY_HOPS": 1, "BASE_URL": "https://bingo.example.org/rc"},
    "BASE_URL": {"BASE_URL": "http://localhost"},
}


def visit(app, url: str, device: str, **hostile) -> tuple[int, str]:
    """A GET by a new visitor on an enrolled tablet (`device`), nobody signed in: its status, and the page with its
    headers (of an endless stream, its opening events). In a context of its own, as each request has in production;
    a stream is read and closed in it too."""

    def exchange():
        client = app.test_client()
        client.set_cookie(tablets.COOKIE, device, domain=urlsplit(base_of(app)).hostname)
        response = FlaskClient.open(client, url, base_url=base_of(app), buffered=False, **hostile)
        return response.status_code, read(response)

    return contextvars.Context().run(exchange)


def read(response) -> str:
    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return head + "\n\n" + body(response)


def shape(status: int, page: str) -> tuple:
    """What kind of answer a page is: its status, type and opening (a whole page, a fragment, JSON)."""
    head, _, body = page.partition("\n\n")
    kind = next((line for line in head.splitlines() if line.startswith("Content-Type:")), "")
    return status, kind, body.lstrip()[:9].lower()


def public_urls(app, world):  # noqa: F811 - the fixture's value
    """A working address of every GET route that a visitor not signed in can open."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or "GET" not in rule.methods:
            continue
        for values in candidate_values(rule, world):
            url = rule.build(values)[1]
            status, page = visit(app, url, world.device)
            if status == 404:
                continue
            if status < 400 and "Location: " not in page:
                found.append(url)
            break
    return found


def base_of(app) -> str:
    return app.config["BASE_URL"] or "http://localhost"


@pytest.mark.parametrize("setup", SETUPS)
def test_no_request_header_changes_what_the_next_visitor_is_served(database_uri, world, setup):  # noqa: F811
    served = _make_app(database_uri, **SETUPS[setup])
    urls = public_urls(served, world)
    assert any("/wall/" in u for u in urls) and any(u.endswith("/card") for u in urls), urls
    failures = []
    for url in urls:
        served.extensions.get("rcbingo_pages", {}).clear()
        usual = shape(*visit(served, url, world.device))
        for name, hostile in HOSTILE.items():
            served.extensions.get("rcbingo_pages", {}).clear()  # the hostile request makes the kept page
            status, _page = visit(served, url, world.device, **hostile)
            if status >= 500:
                failures.append(f"{url} with {name}: {status}")
            status, clean = visit(served, url, world.device)
            if shape(status, clean) != usual:
                failures.append(f"{url} after a request with {name}: {shape(status, clean)}, not {usual}")
            elif any(trace in clean for trace in TRACES):
                failures.append(f"{url} after a request with {name}: " + next(
                    clean[max(0, i - 60):i + 40] for t in TRACES if (i := clean.find(t)) >= 0))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("setup", [s for s in SETUPS if "BASE_URL" in SETUPS[s]])
def test_with_base_url_another_host_is_refused(database_uri, world, setup):  # noqa: F811
    served = _make_app(database_uri, **SETUPS[setup])
    client = served.test_client()
    refused = client.get("/sign-in", base_url="http://evil.example")
    assert refused.status_code == 400 and "could not be understood" in refused.get_data(as_text=True)
    assert client.get("/sign-in", base_url=base_of(served)).status_code == 200
    if served.config["PROXY_HOPS"]:
        forwarded = client.get("/sign-in", base_url=base_of(served), headers={"X-Forwarded-Host": EVIL_HOST})
        assert forwarded.status_code == 400


def test_with_base_url_every_printed_link_and_qr_code_leads_there_whatever_the_request_says(database_uri, roster,
                                                                                             make_account):
    from .conftest import Auth

    served = _make_app(database_uri, BASE_URL="https://bingo.example.org/rc", PROXY_HOPS=1,
                       TRUSTED_HOSTS=["bingo.example.org", "localhost"])
    make_account("icu@example.org", roles=[("icu", "coordinator")])
    client = served.test_client()
    assert Auth(client).sign_in("icu@example.org").status_code == 302
    hostile = {"X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "evilproto", "X-Forwarded-Prefix": EVIL_PREFIX}
    page = client.get("/u/icu/print", headers=hostile).get_data(as_text=True)
    assert "https://bingo.example.org/rc/u/icu/card" in page
    assert not any(trace in page for trace in TRACES)
    spec = client.get("/api/v1/openapi.json", headers=hostile).get_json()
    assert spec["servers"] == [{"url": "https://bingo.example.org/rc/"}]


def test_one_place_builds_absolute_links():
    """links.absolute_url, from BASE_URL when set: no other code reads the request's address."""
    import pathlib

    import rcbingo

    root = pathlib.Path(rcbingo.__file__).parent
    readers = re.compile(r"_external\s*=\s*True|\b(url_root|host_url|root_url|HTTP_HOST|SERVER_NAME)\b"
                         r"|request\.(host|url|base_url|scheme)\b")
    found = [f"{path.relative_to(root)}: {line.strip()}" for path in root.rglob("*.py")
             if path.name != "links.py" and path.parent.name != "migrations"
             for line in path.read_text().splitlines() if readers.search(line)]
    templates = root.parent / "templates"
    found += [f"{path.relative_to(templates)}: {line.strip()}" for path in templates.rglob("*.html")
              for line in path.read_text().splitlines() if readers.search(line)]
    assert found == [], "build absolute links with links.absolute_url:\n" + "\n".join(found)
