"""Screening of stories and practice lines for patient identifiers before they are published.

Plain pattern matching, no outside services, after HIPAA's Safe Harbor list of identifiers: each detector proposes
spans, and overlaps are settled in favour of the more specific kind (see `kinds.KINDS`). The detectors live by kind:
`names` (patients and relatives, never roster staff), `places` (rooms, beds, addresses, towns), `dates` (dates and
ages over 89), `contact` (phone, fax, email, web and IP addresses), `numbers` (record, health plan, account, license,
vehicle and device numbers) and `traits` (biometric identifiers, distinctive features). Recall matters more than
precision (a missed identifier reaches a wall screen; a false alarm costs a coordinator a glance).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from . import contact, dates, names, numbers, places, traits
from .kinds import KINDS, PRIORITY, Finding, Span

__all__ = ["KINDS", "Finding", "screen"]

_MODULES = (contact, numbers, dates, places, traits)


def _compiled(pattern: str) -> re.Pattern:
    # Every pattern that starts with \b starts with a word character after it, where \b means (?<!\w): Python's re
    # scans a text for that about three times faster.
    if pattern.startswith(r"\b"):
        pattern = r"(?<!\w)" + pattern[2:]
    return re.compile(pattern, re.IGNORECASE)


# (kind, pattern, group, check, what the text must hold for the pattern to be tried)
_COMPILED = [(kind, _compiled(pattern), group, check,
              re.compile(module.NEEDS[kind], re.IGNORECASE) if kind in module.NEEDS else None)
             for module in _MODULES for kind, pattern, group, check in module.PATTERNS]


def candidates(text: str, staff_names: Iterable[str] = ()) -> list[Span]:
    """Every span some detector proposes, overlapping or not."""
    found = []
    present: dict[re.Pattern, bool] = {}
    for kind, pattern, group, check, needs in _COMPILED:
        if needs is not None:
            if needs not in present:
                present[needs] = needs.search(text) is not None
            if not present[needs]:
                continue
        for match in pattern.finditer(text):
            if match.end(group) > match.start(group) and (check is None or check(match)):
                found.append((match.start(group), match.end(group), kind))
    return found + names.find(text, names.roster(staff_names), places.protected(text))


def screen(text: str, staff_names: Iterable[str] = ()) -> list[Finding]:
    """Patient identifiers found in a story, in text order; never a roster (staff) name."""
    kept: list[Span] = []  # in text order, never overlapping
    starts: list[int] = []
    by_priority = sorted(set(candidates(text, staff_names)), key=lambda c: (PRIORITY[c[2]], c[0] - c[1], c[0]))
    for start, end, kind in by_priority:
        at = bisect_right(starts, start)
        if (at == 0 or kept[at - 1][1] <= start) and (at == len(kept) or kept[at][0] >= end):
            kept.insert(at, (start, end, kind))
            starts.insert(at, start)
    return [Finding(kind, start, end, text[start:end]) for start, end, kind in kept]
