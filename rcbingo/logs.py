"""Logs without secrets. Wall displays, survey links and tablet enrolment carry a secret in their address
(screens and phones open them from a QR code), so every access log shows that part masked.

Any route variable named like a secret is masked, so a new secret route is covered without a list here. Masking reads
the address as the app does: percent-escapes of letters, digits, `-._~/` are decoded first (also when encoded twice),
so `/w%61ll/<token>` or `?%77ords=` is masked like `/wall/<token>` and `?words=`; a query's parameter names are read
as `web.Request` reads them (decoded, then `text.normalise`: `?%EF%BD%97ords=`, a full-width w, is `words`).

The app's own log (Flask's `Exception on <path> [METHOD]` and its traceback) is masked the same way, and the current
request's secrets are hidden wherever a message repeats them (`RequestMaskingFilter`).
"""

import logging
import re
import string
from urllib.parse import unquote_plus

from .text import normalise

SECRET_VARIABLES = frozenset({"token", "link", "code", "secret"})
MASK = "[hidden]"
_VARIABLE = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
# Query parameters masked too: the stories search's words (a search may name anyone, even a patient by mistake), and
# any name typed in a card's name box, which its type-ahead sends as it is typed (`nominees-0-name`).
PRIVATE_QUERY = frozenset({"words", r"[\w.-]*name"})
_PRIVATE_KEY = re.compile("(?:" + "|".join(sorted(SECRET_VARIABLES | PRIVATE_QUERY)) + ")", re.IGNORECASE)
# A parameter of a query: its key and value. A value ends at the next parameter: `&` in a query; also `%26` in a
# query that is itself a value (the sign-in page's address for a page opened signed out), where the value's own `&`
# would be `%2526`.
_PARAMETER = re.compile(r'([?&])([^=&\s"#]*)(=)[^&\s]+')
_INNER_PARAMETER = re.compile(r'(%3F|%26)((?:(?!%3D|%26)[^=&\s"])*)(%3D)(?:(?!&|%26)[^\s"])+', re.IGNORECASE)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# A part of a path as long as a link's secret (32 characters; the shortest secret route part is a 12-character answer
# code, always matched by its route): masked wherever it stands, so an address the app does not route (dot segments,
# a backslash: `/wall/./<token>`) still shows no secret.
_SECRET_LIKE = re.compile(r"(?:(?<=[/\\=])|(?<=%2[Ff]))[A-Za-z0-9_-]{24,}(?![A-Za-z0-9_-])")
# Decoded before masking: what spells a route or a name (and `%`, for what was encoded twice), never what
# separates the parts of an address (`?`, `&`, `=`, `#`) nor what could break a log line.
_SPELLING = frozenset(string.ascii_letters + string.digits + "-._~/%")


def secret_patterns(url_map) -> list[re.Pattern]:
    """For each of the app's routes with a secret in its path, a pattern whose groups are the secrets."""
    patterns = []
    for rule in url_map.iter_rules():
        if not SECRET_VARIABLES & rule.arguments:
            continue
        regex, last = "", 0
        for match in _VARIABLE.finditer(rule.rule):
            regex += _literal(rule.rule[last:match.start()])
            regex += r"([^/?#\s]+)" if match[1] in SECRET_VARIABLES else r"[^/?#\s]+"
            last = match.end()
        patterns.append(re.compile(regex + _literal(rule.rule[last:]) + r"(?=[/?#\s\"%]|$)", re.IGNORECASE))
    return patterns


def _literal(text: str) -> str:
    # A client may write a slash as %2F, or several (`//wall//<token>`, which the app redirects to the route); the
    # mask reads them as the app does.
    return re.escape(text).replace("/", "(?:/|%2[Ff])+")


def mask(text: str, patterns: list[re.Pattern]) -> str:
    """`text` (a request line, a path, a referrer) with every secret replaced by MASK."""
    text = _spelled_out(text)
    # Spans from every pattern, found in the original text: "/s/code/<code>" is also "/s/<token>"/…
    spans = sorted({m.span(g) for p in patterns for m in p.finditer(text) for g in range(1, p.groups + 1)})
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    text = _SECRET_LIKE.sub(MASK, text)
    for parameter in (_PARAMETER, _INNER_PARAMETER):
        text = parameter.sub(lambda m: m[1] + m[2] + m[3] + MASK if _private(m[2]) else m[0], text)
    return text


def _private(key: str) -> bool:
    """Whether the app reads `key`, as written in a query, as a secret's or a private value's name: decoded as
    werkzeug decodes it (again while escapes are left: `%2577` is `w` too), then normalised as `web.Request` does
    (full-width letters, invisible and control characters). Only the verdict leaves: the log keeps the key as
    written, so nothing decoded (a line break) can reach a log line."""
    for _ in range(8):
        decoded = unquote_plus(key, errors="replace")
        if decoded == key:
            break
        key = decoded
    return bool(_PRIVATE_KEY.fullmatch(normalise(key)))


def _spelled_out(text: str) -> str:
    """`text` with the percent-escapes of _SPELLING decoded, again until none is left (`%2561` is `a`)."""
    for _ in range(8):
        decoded = _ESCAPE.sub(lambda m: chr(int(m[1], 16)) if chr(int(m[1], 16)) in _SPELLING else m[0], text)
        if decoded == text:
            break
        text = decoded
    return text


class MaskingFilter(logging.Filter):
    """For the development server's request log (werkzeug)."""

    def __init__(self, patterns: list[re.Pattern]):
        super().__init__()
        self.patterns = patterns

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask(a, self.patterns) if isinstance(a, str) else a for a in record.args)
        return True


class RequestMaskingFilter(logging.Filter):
    """For the app's own log (`app.logger`): Flask's `Exception on <path> [METHOD]`, any other message and its
    traceback, with the addresses' secrets masked and, during a request, the values of its secret route variables
    and private parameters hidden wherever they appear (an exception's message may repeat one)."""

    def __init__(self, patterns: list[re.Pattern]):
        super().__init__()
        self.patterns = patterns

    def filter(self, record: logging.LogRecord) -> bool:
        values = _request_values()

        def hidden(text: str) -> str:
            text = mask(text, self.patterns)
            for value in values:
                text = text.replace(value, MASK)
            return text

        record.msg, record.args = hidden(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:  # a formatter writes this instead of formatting the exception again
            record.exc_text = hidden(record.exc_text)
        return True


def _request_values() -> list[str]:
    """The current request's secret route variables and private parameters (longest first; values of under four
    characters would hide every such word of a traceback, and name nobody)."""
    from flask import has_request_context, request

    if not has_request_context():
        return []
    values = [str(v) for k, v in (request.view_args or {}).items() if k in SECRET_VARIABLES]
    values += [v for k, v in request.args.items(multi=True) if _private(k)]
    return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)


_served: list[re.Pattern] | None = None  # the secret patterns of the app this process made last


def mask_logs(app) -> None:
    """Mask the secrets of `app`'s routes in its own log, in the development server's, and in gunicorn's
    (`app_patterns`)."""
    global _served
    _served = secret_patterns(app.url_map)
    for logger, kind in ((logging.getLogger("werkzeug"), MaskingFilter), (app.logger, RequestMaskingFilter)):
        logger.filters = [f for f in logger.filters if not isinstance(f, kind)]
        logger.addFilter(kind(_served))


def app_patterns() -> list[re.Pattern]:
    """The secret patterns of the routes of the app this process serves (for gunicorn's logger, which has no app of its
    own): made with the app, which a worker loads before it logs a request. Never a second app made here: making one
    binds the shared extensions to its settings (the sign-in and card limits would count in memory, per worker)."""
    if _served is None:  # (a logger used outside a worker: the app the workers serve)
        import wsgi  # noqa: F401 - makes the app, which registers its patterns

    return _served
