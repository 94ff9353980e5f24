"""Logs without secrets. Wall displays, survey links and tablet enrolment carry a secret in their address
(screens and phones open them from a QR code), so every access log shows that part masked.

Any route variable named like a secret is masked, so a new secret route is covered without a list here.
"""

import logging
import re

SECRET_VARIABLES = frozenset({"token", "link", "code", "secret"})
MASK = "[hidden]"
_VARIABLE = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
# Query parameters masked too: the stories search's words (a search may name anyone, even a patient by mistake), and
# any name typed in a card's name box, which its type-ahead sends as it is typed (`nominees-0-name`).
PRIVATE_QUERY = frozenset({"words", r"[\w.-]*name"})
# Also when percent-encoded, as in the sign-in page's address for a page opened signed out.
_SECRET_QUERY = re.compile(r"((?:[?&]|%3F|%26)(?:" + "|".join(sorted(SECRET_VARIABLES | PRIVATE_QUERY))
                           + r")(?:=|%3D))(?:(?!&|%26)[^\s\"])+", re.IGNORECASE)


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
        patterns.append(re.compile(regex + _literal(rule.rule[last:]) + r"(?=[/?#\s\"%]|$)"))
    return patterns


def _literal(text: str) -> str:
    # A client may write a slash as %2F; the route still matches, so the mask must too.
    return re.escape(text).replace("/", "(?:/|%2[Ff])")


def mask(text: str, patterns: list[re.Pattern]) -> str:
    """`text` (a request line, a path, a referrer) with every secret replaced by MASK."""
    # Spans from every pattern, found in the original text: "/s/code/<code>" is also "/s/<token>"/…
    spans = sorted({m.span(g) for p in patterns for m in p.finditer(text) for g in range(1, p.groups + 1)})
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return _SECRET_QUERY.sub(lambda m: m[1] + MASK, text)


class MaskingFilter(logging.Filter):
    """For the development server's request log (werkzeug)."""

    def __init__(self, patterns: list[re.Pattern]):
        super().__init__()
        self.patterns = patterns

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask(a, self.patterns) if isinstance(a, str) else a for a in record.args)
        return True


def mask_development_log(app) -> None:
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.filters = [f for f in werkzeug.filters if not isinstance(f, MaskingFilter)]
    werkzeug.addFilter(MaskingFilter(secret_patterns(app.url_map)))


def app_patterns() -> list[re.Pattern]:
    """The secret patterns of the app's routes (for gunicorn's logger, which has no app of its own)."""
    from . import create_app

    return secret_patterns(create_app({"SECRET_KEY": "only-to-read-the-routes"}).url_map)
