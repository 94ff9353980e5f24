"""Translating the interface's own messages, and nothing else.

Templates translate literals with `_("…")`. Messages kept in code (labels, rule messages) are marked
with `N_()` and shown through `tr`, which translates only a marked message: a name, a story or an
administrator's wording is never taken for a message, never formatted, never marked safe.
"""

from flask_babel import gettext

from .rc import MARKED


def translated(message, **params) -> str:
    """The translation of a message marked with N_(), its parameters filled in; any other text unchanged."""
    text = str(message)
    if text not in MARKED:
        return text
    return gettext(text, **params)
