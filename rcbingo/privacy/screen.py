"""Screening of stories and practice lines for patient identifiers before they are published.

Plain pattern matching, no outside services, after HIPAA's Safe Harbor list of identifiers: each detector proposes
spans, and overlaps are settled in favour of the more specific kind (see `kinds.KINDS`). The detectors live by kind:
`names` (patients and relatives, never roster staff), `places` (rooms, beds, addresses, towns), `dates` (dates and
ages over 89), `contact` (phone, fax, email, web and IP addresses), `numbers` (record, health plan, account, license,
vehicle and device numbers) and `traits` (biometric identifiers, distinctive features). Recall matters more than
precision (a missed identifier reaches a wall screen; a false alarm costs a coordinator a glance).

The detectors read the text's confusable skeleton (`skeleton`): Cyrillic or Greek letters that look Latin, accents,
other scripts' digits and invisible characters are read as what they look like, and each finding is given back as a
span of the text itself. The detectors of numbers read the skeleton twice: as it is, and without the brackets,
quotes, underscores, emoji and symbols around and inside its numbers (`skeleton.undressed`); and both again with
ASCII's look-alikes inside identifiers read as what they imitate (`skeleton.as_numbers`: "6l7-555-0l42", "DOB
O3/l4/l952", "r00m 12", "b3d 4", "MRN 44556G7"), and cue words written with look-alike letters read as the cue word
(`skeleton.as_words`: "roorn 12", "becl 14", "the claughter Maria"); the names are read again near what changed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from . import contact, dates, names, numbers, places, traits
from .kinds import KINDS, PRIORITY, Finding, Span
from .name_field import beyond_a_name
from .skeleton import around, as_numbers, as_words, skeleton, span_back, undressed

# The person a name field names: its first capitalised words (a title, initials, hyphens and apostrophes included).
_LEADING_NAME = re.compile(r"\s*(?:[A-Z][\w'’.-]*\s*){1,4}")

__all__ = ["KINDS", "Finding", "screen", "screen_name"]

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


def _patterns(text: str) -> list[Span]:
    """Every span the pattern detectors (all but names) propose, overlapping or not."""
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
    return found


def candidates(text: str, staff_names: Iterable[str] = ()) -> list[Span]:
    """Every span some detector proposes, overlapping or not: in the text, and the pattern detectors' again in the
    text without the decoration of its numbers ("room (14)", "(406)-(555)-(0182)", "MRN 0 0 4 8 2 9 1 3"), and both
    again with ASCII's look-alikes inside identifiers read as what they imitate ("6l7-555-0l42", "r00m 12")."""
    staff = names.roster(staff_names)
    found = names.find(text, staff, places.protected(text)) + _dressed_or_not(text)
    looked, changed = as_numbers(text)  # the text's length: its spans are the text's
    looked, worded = as_words(looked)
    changed += worded
    if changed:  # read near what changed, and keep what touches it or follows it closely (a name after "claughter")
        near = around(looked, changed)
        found += [(start, _to_word_end(end, worded), kind) for start, end, kind
                  in _dressed_or_not(near) + names.find(near, staff, places.protected(near))
                  if any(start < high + _AFTER_A_CUE and low < end for low, high in changed)]
    return found


def _to_word_end(end: int, spans: list[tuple[int, int]]) -> int:
    """A finding that ends inside a word read as a shorter one ("tvvelve" as "twelve ") ends with the word."""
    return next((high for low, high in spans if low < end < high), end)


_AFTER_A_CUE = 30  # a name this close after a word read otherwise ("the claughter Maria", "Mr. A1varez")


def _dressed_or_not(text: str) -> list[Span]:
    """The pattern detectors' spans in a text, and in the text without the decoration of its numbers."""
    found = _patterns(text)
    bare, origins = undressed(text)
    if bare != text:
        found += [(*span_back(origins, start, end), kind) for start, end, kind in _patterns(bare)]
    return found


def screen(text: str, staff_names: Iterable[str] = ()) -> list[Finding]:
    """Patient identifiers found in a story, in text order; never a roster (staff) name. The text is read as it
    looks (its skeleton); each finding is a span of the text as given."""
    read, origins = skeleton(text)
    found = _settled(candidates(read, staff_names))
    if read is not text:
        found = [(*span_back(origins, start, end), kind) for start, end, kind in found]
        found = [span for at, span in enumerate(found) if at == 0 or span[0] >= found[at - 1][1]]
    return [Finding(kind, start, end, text[start:end]) for start, end, kind in found]


def _settled(spans: list[Span]) -> list[Span]:
    """The spans kept, in text order and never overlapping: the more specific kind, then the longer span, first."""
    kept: list[Span] = []  # in text order, never overlapping
    starts: list[int] = []
    by_priority = sorted(set(spans), key=lambda c: (PRIORITY[c[2]], c[0] - c[1], c[0]))
    for start, end, kind in by_priority:
        at = bisect_right(starts, start)
        if (at == 0 or kept[at - 1][1] <= start) and (at == len(kept) or kept[at][0] >= end):
            kept.insert(at, (start, end, kind))
            starts.insert(at, start)
    return kept


def screen_name(text: str, staff_names: Iterable[str] = ()) -> list[Finding]:
    """Patient identifiers in a name field (a card's writer or nominee): the person it names, its first capitalised
    words, is a colleague and not reported as a name; anything else in it ("Delgado (patient in room 12, MRN
    4455667)", "Jane Doe, patient Mr. Alvarez", "John Smith Room 12") is screened like a story, and a field that
    does not read as one colleague's name ("Rita Shah For Mr Alvarez", "Patient John Smith": `name_field`) is
    reported from where it stops reading as one."""
    read, origins = skeleton(text)
    spans = []
    if (beyond := beyond_a_name(read, staff_names)) is not None:
        spans.append((span_back(origins, beyond, len(read)) if read is not text else (beyond, len(text)))
                     + ("not_a_name",))
    named = _LEADING_NAME.match(read)
    if named is None or not named.group().strip():
        spans += [(f.start, f.end, f.kind) for f in screen(text, staff_names)]
    else:
        end = span_back(origins, 0, named.end())[1] if read is not text else named.end()
        spans += [(f.start, f.end, f.kind) for f in screen(" " * end + text[end:], staff_names)]
        spans += [(f.start, f.end, f.kind) for f in screen(text, staff_names) if f.kind != "patient_name"]
    return [Finding(kind, start, end, text[start:end]) for start, end, kind in _settled(spans)]
