"""Default settings; instance/config.py and environment variables override them."""

import os
from datetime import timedelta

LANGUAGES = ("en",)
# Behind a TLS-terminating proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none).
PROXY_HOPS = 0
# The address people and screens use to reach the app (https://bingo.example.org, with a path if it lives under one).
# Set it in production: every printed link and QR code is built from it, its path is the app's prefix, and other
# hosts get a 400 (TRUSTED_HOSTS, a list of host names, defaults to its host). Unset: development (links.py).
BASE_URL = None
TRUSTED_HOSTS = None
MAX_CONTENT_LENGTH = 256 * 1024
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
WTF_CSRF_TIME_LIMIT = 12 * 3600
# Where to return after signing in is kept in the (signed) session, not in the sign-in address: a search's
# words never reach an address, a log or a referrer.
USE_SESSION_FOR_NEXT = True
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12
# Sign-in attempts per device address and account (a device that signed in to the account before: its own count),
# counted before the password is checked, right ones too (org/account_views.py); memory:// counts per process: use
# redis:// (RATELIMIT_STORAGE_URI) when several workers or hosts serve the app, and RATELIMIT_KEY_PREFIX when several
# apps share one Redis.
SIGN_IN_LIMIT = "5 per minute; 20 per hour"
RATELIMIT_STORAGE_URI = "memory://"
# Every budget counts over a moving window (the last minute, whenever it is asked), not over fixed minutes: a burst
# at a fixed window's end and another at the next one's start would pass twice the budget in a few seconds.
RATELIMIT_STRATEGY = "moving-window"
RATELIMIT_HEADERS_ENABLED = False
# A card left half-written on a shared tablet clears itself after this long without a touch: over its last
# CARD_IDLE_WARNING_SECONDS a countdown shows on the card, and a touch keeps it (static/app.js). A blank card renews
# itself quietly at the same pace.
CARD_IDLE_SECONDS = 90
CARD_IDLE_WARNING_SECONDS = 20
# The wall display: a win fills the screen this long (runners-up, place 2 on, a little over half as long), and only
# on walls that see it within this long of the win; the stories column turns to the next story this often and
# turns through this many of the newest. A story published less than WALL_NEW_STORY_SECONDS ago is marked "New" and
# stays on top that long. The wall keeps the winners of the last WALL_PAST_WINNERS games in view.
WALL_CELEBRATION_SECONDS = 18
WALL_STORY_SECONDS = 8
WALL_STORIES = 12
WALL_NEW_STORY_SECONDS = 45
WALL_PAST_WINNERS = 3
# Months of organization-wide newsletters are reckoned in this zone (a unit's issue uses the unit's own).
ORGANIZATION_TIMEZONE = "UTC"
PDF_TIMEOUT_SECONDS = 120
# Bounded waits (README, "Outages"). A request that has not finished after REQUEST_TIMEOUT_SECONDS answers 503 with
# Retry-After (in gevent workers); exports (health.LONG_REQUESTS) get LONG_REQUEST_TIMEOUT_SECONDS, for their
# statements too. PostgreSQL: connect and statement timeouts; SQLite: how long a writer waits for the lock.
REQUEST_TIMEOUT_SECONDS = 10
LONG_REQUEST_TIMEOUT_SECONDS = 150
DATABASE_CONNECT_TIMEOUT_SECONDS = 5
DATABASE_STATEMENT_TIMEOUT_SECONDS = 10
# PostgreSQL connections each server process may hold at once (five stay open when idle). Requests beyond it queue in
# the process for one; it should cover the requests that write at once (cards waiting for a game's lock hold theirs).
# Keep hosts × workers × (this + 1, the board watcher's) below PostgreSQL's max_connections (100 by default).
DATABASE_POOL_SIZE = 20
SQLITE_BUSY_TIMEOUT_SECONDS = 10
# /ready gives the database (and Redis) this long to answer.
READY_TIMEOUT_SECONDS = 2
# While the database is away: the Retry-After of every 503, and how often its page reloads itself.
RETRY_AFTER_SECONDS = 5
# No survey figure rests on fewer respondents than this (may be raised; never below 3).
SURVEY_MIN_RESPONDENTS = 5
# The thank-you screen returns to a blank card after this long.
THANKS_SECONDS = 8

# --- Budgets of public edges ----------------------------------------------------------------------------------------
# What one visitor, one link or one flood may take of a server (STYLE.md, "Public edges"), stated in one place: the
# budget of every route reachable without signing in, and of every kind of heavy work (renders at a time, streams per
# link, requests per minute). Add yours here, with the place that applies it.
#
# PDFs (newsletter exports, paper cards, posters: newsletter.service.pdf_in_child) are made at most this many at a
# time per host, across all its worker processes (rcbingo/slots.py); one paper-card PDF takes some 55 MB and seconds
# of CPU. The others wait up to PDF_RENDER_WAIT_SECONDS for a turn, then get a 503 with Retry-After
# (RETRY_AFTER_SECONDS) and a page that says to try again in a few seconds.
PDF_RENDERS_AT_ONCE = 2
PDF_RENDER_WAIT_SECONDS = 5
#
# Wall streams (/wall/<token>/stream) open at once, per display link and per client address (behind a proxy, the
# address ProxyFix reads with PROXY_HOPS), counted in each server process: a gunicorn worker holds up to these many,
# so a server with N workers up to N times as many (a process's count is exact: a stream that ends, or a worker that
# dies, takes its count with it). A screen needs one stream (a few screens may share a link, and a screen that
# reconnects holds its old place until the server notices it left: the next keepalive, 15 s at most); raise the address
# budget when many screens share one address (a hospital's NAT). A stream over budget gets 503 with Retry-After, and
# the wall page comes back by itself.
WALL_STREAMS_PER_LINK = 20
WALL_STREAMS_PER_ADDRESS = 200
WALL_STREAM_RETRY_SECONDS = 15
#
# Kiosk cards stored per minute by one enrolled tablet, or by one address (IPv6: one /64) for a device not enrolled
# (refused cards and repeats of a stored card are not counted), counted where the sign-in limit is
# (RATELIMIT_STORAGE_URI: Redis when several workers or hosts serve the app). A person takes 45 s for a card, so one
# tablet never reaches it by honest use, even at shift change; an address may be a whole hospital's tablets behind
# one NAT: enrol them.
CARDS_PER_TABLET = "10 per minute"
CARDS_PER_ADDRESS = "20 per minute"
#
# Sign-in attempts per address (IPv6: one /64), whatever the email, counted with SIGN_IN_LIMIT before any password is
# hashed (org/account_views.py); a device that signed in to the account typed before is not counted here (it has its
# own allowance: org/devices.py), so a flood from a hospital's NAT locks no coordinator's own device out. Password
# hashes (some 0.1 s of CPU and 32 MB each) run at most SIGN_IN_HASHES_AT_ONCE at a time per process, off a gevent
# worker's event loop (org/passwords.py); one that finds no turn within SIGN_IN_HASH_WAIT_SECONDS gets a 503 with
# Retry-After.
SIGN_INS_PER_ADDRESS = "30 per minute"
SIGN_IN_HASHES_AT_ONCE = 2
SIGN_IN_HASH_WAIT_SECONDS = 3
# Each may also be set in the environment (read as this type).
PUBLIC_EDGE_BUDGETS = {"PDF_RENDERS_AT_ONCE": int, "PDF_RENDER_WAIT_SECONDS": float, "WALL_STREAMS_PER_LINK": int,
                       "WALL_STREAMS_PER_ADDRESS": int, "WALL_STREAM_RETRY_SECONDS": int,
                       "CARDS_PER_TABLET": str, "CARDS_PER_ADDRESS": str, "SIGN_INS_PER_ADDRESS": str,
                       "SIGN_IN_HASHES_AT_ONCE": int, "SIGN_IN_HASH_WAIT_SECONDS": float}


TIMEOUTS = ("REQUEST_TIMEOUT_SECONDS", "LONG_REQUEST_TIMEOUT_SECONDS", "DATABASE_CONNECT_TIMEOUT_SECONDS",
            "DATABASE_STATEMENT_TIMEOUT_SECONDS", "SQLITE_BUSY_TIMEOUT_SECONDS", "READY_TIMEOUT_SECONDS",
            "RETRY_AFTER_SECONDS")


def from_environment() -> dict:
    """Settings given as environment variables (DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI, …)."""
    settings = {}
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("PROXY_HOPS"):
        settings["PROXY_HOPS"] = int(os.environ["PROXY_HOPS"])
    if os.environ.get("BASE_URL"):
        settings["BASE_URL"] = os.environ["BASE_URL"]
    if os.environ.get("TRUSTED_HOSTS"):
        settings["TRUSTED_HOSTS"] = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()]
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        settings["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    if os.environ.get("RATELIMIT_KEY_PREFIX"):
        settings["RATELIMIT_KEY_PREFIX"] = os.environ["RATELIMIT_KEY_PREFIX"]
    if os.environ.get("DATABASE_POOL_SIZE"):
        settings["DATABASE_POOL_SIZE"] = int(os.environ["DATABASE_POOL_SIZE"])
    for name in TIMEOUTS:
        if os.environ.get(name):
            settings[name] = float(os.environ[name])
    for name, kind in PUBLIC_EDGE_BUDGETS.items():
        if os.environ.get(name):
            settings[name] = kind(os.environ[name])
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ["DATABASE_URL"])
    return settings


def database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// forms and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
