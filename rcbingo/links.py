"""Where the app is and how its links are written: the one place that builds absolute links.

A request's `Host`, `X-Forwarded-Host`, `X-Forwarded-Prefix` or `SCRIPT_NAME` (which gunicorn takes from a header
sent by a trusted proxy) must not change what others are served, nor the links that are printed and shown as QR codes.
So, when `BASE_URL` is set (explicitly: its default is None):
- every absolute link (wall displays, tablet enrolment, survey links and answer codes, the poster, the API's
  server) is built from it, by `absolute_url`, never from the request;
- only its host is accepted (`TRUSTED_HOSTS`, unless set otherwise): another host gets a 400;
- its path is the app's prefix (`PrefixFromSettings`), whatever the request says.
Without `BASE_URL` (development), the prefix is empty, absolute links follow the request's own address (they are
shown only to the signed-in coordinator who asked), and command-line tasks print `DEVELOPMENT_URL` links.
"""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

DEVELOPMENT_URL = "http://127.0.0.1:5000"


def check_base_url(base_url: str | None) -> None:
    """Refuse a BASE_URL that cannot be the app's address (at start-up, not at the first link)."""
    if base_url is None:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"BASE_URL must be an http(s) address such as https://bingo.example.org, not {base_url!r}")


def prefix_of(base_url: str | None) -> str:
    """The path the app lives under ('' at the root of its host)."""
    return urlsplit(base_url).path.rstrip("/") if base_url else ""


def hosts_of(base_url: str | None) -> list[str] | None:
    """The hosts to accept: BASE_URL's, or None (any) when it is not set."""
    return [urlsplit(base_url).hostname] if base_url else None


def absolute_url(endpoint: str, *, base_url: str | None = None, **values) -> str:
    """The full address of `endpoint` (for a link that leaves the page: printed, a QR code, pasted in a message), at
    `base_url` (a command's option) or BASE_URL."""
    base = base_url or current_app.config.get("BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or DEVELOPMENT_URL)
    adapter = current_app.url_map.bind(parts.netloc, script_name=prefix_of(base) or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def server_root() -> str:
    """Where the app's addresses start, for the API's description: BASE_URL, or this prefix at the same host."""
    base = current_app.config.get("BASE_URL")
    return base.rstrip("/") + "/" if base else current_app.config["APPLICATION_ROOT"].rstrip("/") + "/"


class PrefixFromSettings:
    """WSGI middleware: the app's prefix (SCRIPT_NAME) is the configured one, never the request's.

    A request's full path is its SCRIPT_NAME and PATH_INFO together (gunicorn moves a `SCRIPT_NAME` header's value
    out of the path); the configured prefix is taken off its start when there (a proxy may also strip it itself)."""

    def __init__(self, wsgi_app, prefix: str):
        self.wsgi_app, self.prefix = wsgi_app, prefix

    def __call__(self, environ, start_response):
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            path = path[len(self.prefix):]
        environ["SCRIPT_NAME"], environ["PATH_INFO"] = self.prefix, path
        return self.wsgi_app(environ, start_response)
