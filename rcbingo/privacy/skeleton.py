"""What a text looks like, for the screen: its confusable skeleton (after Unicode TR39), with the way back.

The screen's detectors read Latin letters and ASCII digits. A text can look like "John Smith in room 12" while
holding Cyrillic or Greek letters that imitate Latin ones ("rооm" with two Cyrillic o), accents or other combining
marks stacked on letters, other scripts' digits, or invisible characters. The skeleton replaces each character by
the plain Latin letters or digits it looks like, from Unicode's confusables data (`confusable-homoglyphs`' copy of
confusables.txt): a word that mixes scripts is read as the word it imitates. Only characters outside ASCII are
mapped: ASCII's own look-alikes (0 and O, 1 and l) stay as they are, for the detectors tell them apart themselves.

Each character of the skeleton remembers the character of the text it came from, so a finding in the skeleton is a
span of the stored text (the one pages show and coordinators see highlighted).
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib.resources import files

from ..text import IGNORABLE


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Each non-ASCII character that Unicode lists as confusable with an ASCII letter or digit, and that one: a
    letter for a letter (Cyrillic О is O, not 0), a digit for a digit."""
    data = json.loads(files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for plain, homoglyphs in data.items():
        if not (len(plain) == 1 and plain.isascii() and plain.isalnum()):
            continue
        for entry in homoglyphs:
            char = entry["c"]
            if len(char) != 1 or char.isascii():
                continue
            fits = char.isdigit() == plain.isdigit()
            if char not in table or (fits and table[char].isdigit() != char.isdigit()):
                table[char] = plain
    return table


def _mapped(char: str) -> str:
    """What one character of a text looks like in plain Latin letters and ASCII digits (itself when nothing)."""
    if char.isascii():
        return char
    if IGNORABLE.fullmatch(char):
        return ""
    prototypes, out = _prototypes(), []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part) or unicodedata.category(part) in ("Mn", "Me"):
            continue
        if part.isascii():
            out.append(part)
        elif part in prototypes:
            out.append(prototypes[part])
        elif unicodedata.category(part) == "Nd":
            out.append(str(unicodedata.decimal(part)))
        else:
            out.append(part)
    return "".join(out)


@lru_cache(maxsize=4096)
def _mapped_cached(char: str) -> str:
    return _mapped(char)


def skeleton(text: str) -> tuple[str, list[int]]:
    """The skeleton of a text, and for each of its characters the offset of the text's character it comes from."""
    if text.isascii():
        return text, list(range(len(text)))
    pieces, origins = [], []
    for at, char in enumerate(text):
        mapped = _mapped_cached(char)
        pieces.append(mapped)
        origins.extend([at] * len(mapped))
    return "".join(pieces), origins


def looks_like(text: str) -> str:
    """Only the skeleton of a text (for names compared with the roster)."""
    return skeleton(text)[0]


def span_back(origins: list[int], start: int, end: int) -> tuple[int, int]:
    """The span of the text that a span of its skeleton came from (a non-empty span gives a non-empty span)."""
    return origins[start], origins[end - 1] + 1
