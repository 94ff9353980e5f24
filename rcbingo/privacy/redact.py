"""Taking what the screen found out of a text: each finding in a story becomes a placeholder that says what it was
("[room]", "[patient]"); a name field loses the words the screen marked, since a placeholder is no one's name."""

import re
from collections.abc import Callable, Sequence

from ..rc import N_

# Kind -> the placeholder that replaces it in a story (marked for translation: it is written in the reader's
# language). Every kind of kinds.LABELS has one; the screen reads none of them as patient information.
PLACEHOLDERS: dict[str, str] = {
    "ssn": N_("[number]"),
    "email": N_("[contact]"),
    "url": N_("[contact]"),
    "ip_address": N_("[contact]"),
    "fax": N_("[contact]"),
    "phone": N_("[contact]"),
    "dob": N_("[date]"),
    "health_plan": N_("[number]"),
    "account": N_("[number]"),
    "license": N_("[number]"),
    "vehicle": N_("[number]"),
    "device": N_("[number]"),
    "biometric": N_("[detail]"),
    "other_id": N_("[number]"),
    "mrn": N_("[number]"),
    "address": N_("[place]"),
    "location": N_("[place]"),
    "age_over_89": N_("[age]"),
    "date": N_("[date]"),
    "room": N_("[room]"),
    "bed": N_("[bed]"),
    "identifying_trait": N_("[detail]"),
    "family_name": N_("[relative]"),
    "patient_name": N_("[patient]"),
    "not_a_name": N_("[patient]"),
}

# What is left of a name's punctuation once words are taken out of it: brackets with nothing inside, separators at
# its ends, separators doubled, runs of spaces.
_EMPTY_BRACKETS = re.compile(r"[(\[{]\s*[,;:/&+\-–—]*\s*[)\]}]")
_DOUBLED = re.compile(r"\s*([,;:/&+])(?:\s*[,;:/&+])+")
_ENDS = re.compile(r"^[\s,;:/&+\-–—(]+|[\s,;:/&+\-–—(]+$")


def placeholder(kind: str, say: Callable[[str], str] = str) -> str:
    """The placeholder for a kind of finding, as `say` words it (a translation; by default as written)."""
    return say(PLACEHOLDERS[kind])


def replaced(text: str, findings: Sequence, say: Callable[[str], str] = str) -> str:
    """The text with each finding's span (in text order, never overlapping, as the screen gives them) replaced by its
    kind's placeholder; the rest exactly as it was."""
    return _rebuilt(text, findings, lambda finding: placeholder(finding.kind, say))


def replaced_at(text: str, findings: Sequence, start: int, end: int, say: Callable[[str], str] = str) -> str:
    """The text with the one finding whose span is exactly start..end replaced by its placeholder (a coordinator's
    tap on that word); unchanged when no finding is there any more."""
    return replaced(text, [f for f in findings if (f.start, f.end) == (start, end)], say)


def removed(text: str, findings: Sequence) -> str:
    """A name field without the spans the screen marked, its leftover punctuation and spaces tidied:
    "Jane Doe (room 12)" → "Jane Doe"."""
    kept = _rebuilt(text, findings, lambda _finding: " ")
    kept = _DOUBLED.sub(r"\1", _EMPTY_BRACKETS.sub(" ", kept))
    return " ".join(_ENDS.sub("", kept).split())


def name_without(text: str, screen_name: Callable[[str], Sequence], rounds: int = 3) -> str:
    """A name field without what the screen marks in it, screened again after each removal (what is left around a
    marked word may itself not read as a colleague's name: "Jane Doe, patient Mr. Alvarez" → "Jane Doe, patient Mr."
    → "Jane Doe"), at most `rounds` times."""
    for _round in range(rounds):
        found = screen_name(text)
        if not found:
            break
        text = removed(text, found)
    return text


def _rebuilt(text: str, findings: Sequence, instead: Callable) -> str:
    pieces, at = [], 0
    for finding in findings:
        if finding.start < at:
            continue
        pieces += [text[at:finding.start], instead(finding)]
        at = finding.end
    return "".join(pieces) + text[at:]
