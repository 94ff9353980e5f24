"""Default settings; instance/config.py and environment variables override them."""

import os
from datetime import timedelta

LANGUAGES = ("en",)
# Behind a TLS-terminating proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none).
PROXY_HOPS = 0
# The address people and screens use to reach the app; for links printed by command-line tasks.
BASE_URL = "http://127.0.0.1:5000"
MAX_CONTENT_LENGTH = 256 * 1024
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
WTF_CSRF_TIME_LIMIT = 12 * 3600
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12
# Failed sign-ins per device address and account; memory:// counts per process: use
# redis:// (RATELIMIT_STORAGE_URI) when several workers or hosts serve the app.
SIGN_IN_LIMIT = "5 per minute; 20 per hour"
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = False
# A card left half-written on a shared tablet clears itself after this long without a touch.
CARD_IDLE_SECONDS = 180
# Months of organization-wide newsletters are reckoned in this zone (a unit's issue uses the unit's own).
ORGANIZATION_TIMEZONE = "UTC"
PDF_TIMEOUT_SECONDS = 120
# No survey figure rests on fewer respondents than this (may be raised; never below 3).
SURVEY_MIN_RESPONDENTS = 5
# The thank-you screen returns to a blank card after this long.
THANKS_SECONDS = 8


def from_environment() -> dict:
    """Settings given as environment variables (DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI, …)."""
    settings = {}
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("PROXY_HOPS"):
        settings["PROXY_HOPS"] = int(os.environ["PROXY_HOPS"])
    if os.environ.get("BASE_URL"):
        settings["BASE_URL"] = os.environ["BASE_URL"]
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        settings["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ["DATABASE_URL"])
    return settings


def database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// forms and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
