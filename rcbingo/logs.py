"""Logs without secrets. Wall displays, survey links and tablet enrolment carry a secret in their address
(screens and phones open them from a QR code), so every access log shows that part masked.

Any route variable named like a secret is masked, so a new secret route is covered without a list here. Masking reads
the address as the app does: percent-escapes of letters, digits, `-._~/` are decoded first (also when encoded twice),
so `/w%61ll/<token>` or `?%77ords=` is masked like `/wall/<token>` and `?words=`.
"""

import logging
import re
import string

SECRET_VARIABLES = frozenset({"token", "link", "code", "secret"})
MASK = "[hidden]"
_VARIABLE = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
# Query parameters masked too: the stories search's words (a search may name anyone, even a patient by mistake), and
# any name typed in a card's name box, which its type-ahead sends as it is typed (`nominees-0-name`).
PRIVATE_QUERY = frozenset({"words", r"[\w.-]*name"})
_NAMES = "(?:" + "|".join(sorted(SECRET_VARIABLES | PRIVATE_QUERY)) + ")"
# A value ends at the next parameter: `&` in a query; also `%26` in a query that is itself a value (the sign-in
# page's address for a page opened signed out), where the value's own `&` would be `%2526`.
_SECRET_QUERY = re.compile(r"([?&]" + _NAMES + r"=)[^&\s\"]+|((?:%3F|%26)" + _NAMES + r"%3D)(?:(?!&|%26)[^\s\"])+",
                           re.IGNORECASE)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
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
    # A client may write a slash as %2F; the route still matches, so the mask must too.
    return re.escape(text).replace("/", "(?:/|%2[Ff])")


def mask(text: str, patterns: list[re.Pattern]) -> str:
    """`text` (a request line, a path, a referrer) with every secret replaced by MASK."""
    text = _spelled_out(text)
    # Spans from every pattern, found in the original text: "/s/code/<code>" is also "/s/<token>"/…
    spans = sorted({m.span(g) for p in patterns for m in p.finditer(text) for g in range(1, p.groups + 1)})
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return _SECRET_QUERY.sub(lambda m: (m[1] or m[2]) + MASK, text)


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


_served: list[re.Pattern] | None = None  # the secret patterns of the app this process made last


def mask_development_log(app) -> None:
    """Mask the secrets of `app`'s routes in the development server's log, and in gunicorn's (`app_patterns`)."""
    global _served
    _served = secret_patterns(app.url_map)
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.filters = [f for f in werkzeug.filters if not isinstance(f, MaskingFilter)]
    werkzeug.addFilter(MaskingFilter(_served))


def app_patterns() -> list[re.Pattern]:
    """The secret patterns of the routes of the app this process serves (for gunicorn's logger, which has no app of its
    own): made with the app, which a worker loads before it logs a request. Never a second app made here: making one
    binds the shared extensions to its settings (the sign-in and card limits would count in memory, per worker)."""
    if _served is None:  # (a logger used outside a worker: the app the workers serve)
        import wsgi  # noqa: F401 - makes the app, which registers its patterns

    return _served
