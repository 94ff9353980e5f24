"""The pages everyone opens, made once per change of what they show rather than once per request.

The home page, the kiosk card (its workgroup and unit lists, its dimension tiles), the board page and the wall page
change when a board or the roster does, which is seldom next to how often they are opened; making them costs many
times more than everything else in their requests. Their parts are made once per process (`once`), and kept while
`stamp()` stays the same; so are whole pages for visitors who are not signed in (`for_anyone`). What is made for
one person is never kept: a kept page has slots that each request fills with its own CSRF token, submission id or
display link, and anyone signed in (or with a message waiting) gets the page made for them.

A kept part depends on nothing of the request but `key` and the app's prefix, which comes from the settings, never
from the request (links.py); no view reads the request's host.

`stamp()` is a number that grows with every change that a kept part shows. The board layer provides it
(`board.live.recent_stamp`: the sum of the boards' versions; every change of names, the roster or a unit's settings
bumps them); it is read from the database at most every 0.2 s per process, and a change this process commits is seen
at once.
"""

import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

_source: Callable[..., int] | None = None
# Slots are random per process, so that no name or story can contain one.
_SLOT_SECRET = secrets.token_hex(16)
# What may fill a slot: a token, an id (nothing that HTML would need escaped).
_FILLING = re.compile(r"[A-Za-z0-9_.-]*")
_lock = threading.RLock()  # a part may use another (the program name in the card)


def use_stamp(source: Callable[..., int]) -> None:
    """Where `stamp()` comes from (set once, when the board layer is imported): `source(fresh=False)`."""
    global _source
    _source = source


def stamp(fresh: bool = False) -> int:
    # Without a source nothing may be kept: a new stamp every time.
    return _source(fresh=fresh) if _source is not None else time.monotonic_ns()


def once(kind: str, key: Any, compute: Callable[[], Any]) -> Any:
    """What `compute()` makes for (`kind`, `key`), made again only once `stamp()` has moved on (in this process).

    `key` must hold everything else the part depends on (a unit's id, the locale, whether htmx asked) and take few
    values. Under gevent a database read yields: the lock makes one request compute while the others wait."""
    version = stamp()
    made = current_app.extensions.setdefault("rcbingo_pages", {})
    # Kept per prefix too, all that a kept part takes from the request (its links are relative, and the prefix is
    # the configured one: links.py), so that no request can put its own into what others are served.
    key = (kind, key, request.script_root if has_request_context() else "")
    cached = made.get(key)
    if cached is None or cached[0] < version:
        with _lock:
            cached = made.get(key)
            if cached is None or cached[0] < version:
                # Kept under the stamp as read where the part is made (in one SQLite snapshot with it, or before it
                # on PostgreSQL), never under a newer one that another request read: what is kept is never older
                # than its stamp says. (Should that be older than `version`, the next request makes it again.)
                cached = made[key] = (stamp(fresh=True), compute())
    return cached[1]


def rendered(template: str, **context) -> Markup:
    """One of our templates rendered, as markup to put in a page: the one place that marks HTML as safe, for the
    output of our own autoescaped templates (data in it is escaped already)."""
    return Markup(render_template(template, **context))  # noqa: S704 - our own autoescaped template


def slot(name: str) -> str:
    """The placeholder in a kept part for a value that each request puts in."""
    return f"slot-{name}-{_SLOT_SECRET}"


CSRF_SLOT = slot("csrf")


def filled(html: str, **values: str) -> Markup:
    """A kept part with this request's CSRF token and `values` in its slots."""
    if CSRF_SLOT in html:  # (a page without a form or htmx header, the wall's, makes no session)
        values = {"csrf": generate_csrf(), **values}
    for name, value in values.items():
        if not _FILLING.fullmatch(value):
            raise ValueError(f"{name} is not a token")
        html = html.replace(slot(name), value)
    return Markup(html)  # noqa: S704 - our own autoescaped template, filled with tokens only


def for_anyone(kind: str, key: Any, template: str, context: Callable[[], dict], **values: str) -> Markup:
    """A whole page, kept (per `kind` and `key`, as `once`) for visitors who are not signed in and have no message
    waiting: what they see differs only in the CSRF token and `values` (a display's link, a fresh submission id),
    which each request puts in its slots. Anyone else's page is made for them, the same way but not kept.

    `context()` gives the template's variables; it is called only when the page is made."""

    def render() -> str:
        return render_template(template, csrf_token=lambda: CSRF_SLOT, **context(), **{n: slot(n) for n in values})

    return filled(render() if _personal() else once(kind, key, render), **values)


def _personal() -> bool:
    """Whether this visitor's page may hold something of their own: an account (signed in, or a remember-me cookie
    that would sign them in) or a message waiting. Asked without loading the account, which costs a query."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or "_flashes" in session or remember in request.cookies
