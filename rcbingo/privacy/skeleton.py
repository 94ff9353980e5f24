"""What a text looks like, for the screen: its confusable skeleton (after Unicode TR39), with the way back.

The screen's detectors read Latin letters and ASCII digits. A text can look like "John Smith in room 12" while
holding Cyrillic or Greek letters that imitate Latin ones ("rооm" with two Cyrillic o), accents or other combining
marks stacked on letters, other scripts' digits, or invisible characters. The skeleton replaces each character by
the plain Latin letters, digits or separators it looks like, from Unicode's confusables data (`confusable-homoglyphs`'
copy of confusables.txt), every character with a digit value (❶, ➀, ⓵, 🔟), and what a character's Unicode name says
for look-alikes the confusables leave out (small capitals ʀᴏᴏᴍ, negative squared 🆁, stroked ɍ; dashes, slashes and
dots such as the em dash, the Hebrew maqaf, the fraction slash, the middle dot): a word that mixes scripts is read
as the word it imitates. Only characters outside ASCII are mapped: ASCII's own look-alikes (0 and O, 1 and l) stay
as they are in the skeleton; `as_numbers` gives the detectors of numbers and places a second reading where the
characters around say which one is meant ("6l7-555-0l42" is a phone number, "r00m 12" a room).

Each character of the skeleton remembers the character of the text it came from, so a finding in the skeleton is a
span of the stored text (the one pages show and coordinators see highlighted).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib.resources import files

from ..text import BLANKS, IGNORABLE
from .lexicon import words

# What the detectors read as ASCII punctuation: Unicode's confusables of these, and by kind below.
_PUNCTUATION = "-/.:,()[]#@+%&"
# The name of a Latin letter in any dress that Unicode's confusables leave to their own: small capitals (ʀᴏᴏᴍ),
# negative squared and circled letters (🆁🅾🅾🅼), letters with a stroke, hook or belt (ɍ), regional indicators.
_LATIN_LETTER = re.compile(r"\b(?:LATIN|REGIONAL INDICATOR SYMBOL)\b.*?\bLETTER (?:SMALL CAPITAL |CAPITAL |SMALL )?"
                           r"([A-Z])(?: WITH .*)?$")
_KEYCAP_TEN = "\U0001f51f"


def _by_name(char: str) -> str | None:
    """The Latin letter or the ASCII digit or separator a character's Unicode name says it is, if any."""
    name = unicodedata.name(char, "")
    letter = _LATIN_LETTER.search(name)
    if letter:
        return letter.group(1).lower() if "SMALL" in name else letter.group(1)
    category = unicodedata.category(char)
    if category == "Pd":
        return "-"
    if category[0] in "PS" and ("MIDDLE DOT" in name or "DOT OPERATOR" in name or "FULL STOP" in name
                                or name.endswith("BULLET") or "DOT LEADER" in name or "HYPHENATION POINT" in name):
        return "."
    if category[0] in "PS" and ("MINUS" in name or "HYPHEN" in name):
        return "-"
    if category[0] in "PS" and ("SOLIDUS" in name or "SLASH" in name) and "REVERSE" not in name:
        return "/"
    return None


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Each non-ASCII character and the plain Latin letter, ASCII digit or separator it looks like, after Unicode's
    confusables (`confusable-homoglyphs`' copy of confusables.txt: each prototype with the characters confusable
    with it): a letter for a letter (Cyrillic О is O, not 0), a digit for a digit. A group whose prototype is not
    plain reads as the plain character in it (𑣣 is "rn" like m: read m), the prototype without its marks (r̵ is r),
    or what the prototype's name says (Cherokee ꭱ looks like ʀ, a small capital R: read r)."""
    data = json.loads(files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for prototype, homoglyphs in data.items():
        members = [entry["c"] for entry in homoglyphs]
        bare = "".join(c for c in unicodedata.normalize("NFKD", prototype) if not unicodedata.combining(c))
        plain = [c for c in [prototype, *members] if len(c) == 1 and c.isascii() and c.isalnum()]
        if len(bare) == 1 and bare.isascii() and (bare.isalnum() or bare in _PUNCTUATION):
            plain = [bare]
        elif not plain and len(prototype) == 1:
            plain = [found] if (found := _by_name(prototype)) else []
            if not prototype.isascii() and plain:
                table.setdefault(prototype, plain[0])
        if not plain:
            continue
        for char in members:
            if len(char) != 1 or char.isascii():
                continue
            look = next((c for c in plain if c.isdigit() == char.isdigit()), plain[0])
            if char not in table or (look.isdigit() == char.isdigit() and table[char].isdigit() != char.isdigit()):
                table[char] = look
    return table


def _mapped(char: str) -> str:
    """What one character of a text looks like in plain Latin letters, ASCII digits and separators (itself when
    nothing: a Chinese character, an emoji)."""
    if char.isascii():
        return char
    if IGNORABLE.fullmatch(char):
        return ""
    if char.isspace() or char in BLANKS:
        return " "
    prototypes, out = _prototypes(), []
    for part in unicodedata.normalize("NFKD", char):
        category = unicodedata.category(part)
        if unicodedata.combining(part) or category in ("Mn", "Me"):
            continue
        if part.isascii():
            out.append(part)
        elif category[0] in "NS" and unicodedata.digit(part, None) is not None:  # ❶, ➀, ⓵, Bengali 3 …
            out.append(str(unicodedata.digit(part)))
        elif category == "No" and "NUMBER" in unicodedata.name(part, "") and unicodedata.numeric(part, 0.5) % 1 == 0:
            out.append(str(int(unicodedata.numeric(part))))  # ❿, ⓫
        elif part == _KEYCAP_TEN:
            out.append("10")
        elif part in prototypes:
            out.append(prototypes[part])
        else:
            out.append(_by_name(part) or part)
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


# Decoration a number can be dressed in: brackets, quotes, underscores, stars; and outside ASCII any punctuation or
# symbol the skeleton left as it is (an emoji, a bullet).
_DECORATION = re.compile(r"""(?:[()\[\]{}<>"'`_*~^|\\=]|[^\x00-\x7f\w\s])+""")
# Digits typed one by one with spaces between ("0 0 4 8 2 9 1 3"), or in pairs ("00 48 29 13").
_SPACED_DIGITS = re.compile(r"(?<![\w.])(?:\d(?: \d){2,}|\d\d?(?: \d\d?){3,})(?![\w.])")
# Letters typed one by one with spaces between: "r o o m 14", "M R N 0 0 4 8 2 9 1 3".
_SPACED_LETTERS = re.compile(r"(?<![\w.])[A-Za-z](?: [A-Za-z]){2,}(?![\w.])")
# Before a number, letters one by one with dots or dashes between ("R.O.O.M. 12", "b-e-d 4"), and a word split by
# a dash next to a piece of one or two letters ("ro-om 12", "b-ed 4").
_DOTTED_LETTERS = re.compile(r"(?<![\w.-])[A-Za-z](?:[.-][A-Za-z]){2,}\.?(?=[\s#:]*\d)")
_SPLIT_WORD = re.compile(r"(?<![\w.-])(?:[A-Za-z]{1,2}-[A-Za-z]+|[A-Za-z]+-[A-Za-z]{1,2})(?=[\s#:]*\d)")
# Spaces around a separator inside a number: "03 . 14 . 1952", "617 · 555 · 0142" (the middle dot read as a dot).
_SPACED_SEPARATOR = re.compile(r"(?<=\d) *[./-] *(?=\d)")


def _by_a_number(text: str, start: int, end: int) -> bool:
    """Whether the first character other than a space (or "#", ":") before or after text[start:end] is a digit."""
    before, after = start - 1, end
    while before >= 0 and text[before] in " #:":
        before -= 1
    while after < len(text) and text[after] in " #:":
        after += 1
    return (before >= 0 and text[before].isdigit()) or (after < len(text) and text[after].isdigit())


def undressed(read: str) -> tuple[str, list[int]]:
    """A skeleton without the decoration around and inside its numbers, for the detectors of numbers: "room (14)",
    'room "14"', "bed [7]", "room_14", "room 🛏️ 14", "DOB (04)/(12)/(1951)", "(406)-(555)-(0182)" and
    "MRN: 0 0 4 8 2 9 1 3" read as "room 14", "bed 7", "DOB 04/12/1951", "406-555-0182", "MRN: 00482913" (and
    "617 . 555 . 0142" as "617.555.0142", "r o o m 14", "R.O.O.M. 14" and "ro-om 14" as "room 14"). A run of
    decoration next to a number (spaces aside) between a letter and a letter or digit becomes a space (so
    "room😀14" stays two words); elsewhere it goes; decoration away from numbers ("Walter's", "(RT)") stays. Each
    character remembers the skeleton's character it comes from."""
    pieces: list[str] = []
    origins: list[int] = []
    at = 0
    for match in _DECORATION.finditer(read):
        if not _by_a_number(read, match.start(), match.end()):
            continue
        pieces.append(read[at:match.start()])
        origins.extend(range(at, match.start()))
        before, after = read[match.start() - 1:match.start()], read[match.end():match.end() + 1]
        if before.isalnum() and after.isalnum() and not (before.isdigit() and after.isdigit()):
            pieces.append(" ")
            origins.append(match.start())
        at = match.end()
    pieces.append(read[at:])
    origins.extend(range(at, len(read)))
    text = "".join(pieces)
    for spaced, gap in ((_DOTTED_LETTERS, ".-"), (_SPLIT_WORD, "-"), (_SPACED_LETTERS, " "), (_SPACED_DIGITS, " "),
                        (_SPACED_SEPARATOR, " ")):
        text, origins = _without_spaces(text, origins, spaced, gap)
    return text, origins


def _without_spaces(text: str, origins: list[int], spaced: re.Pattern, gap: str = " ") -> tuple[str, list[int]]:
    """The text without the spaces (or other `gap` characters) inside each match of `spaced`, and the origins of
    what is left."""
    joined, kept = [], []
    at = 0
    for match in spaced.finditer(text):
        joined.append(text[at:match.start()])
        kept.extend(origins[at:match.start()])
        joined.append("".join(char for char in match.group() if char not in gap))
        kept.extend(origins[match.start() + offset] for offset, char in enumerate(match.group()) if char not in gap)
        at = match.end()
    joined.append(text[at:])
    kept.extend(origins[at:])
    return "".join(joined), kept


# ASCII's own look-alikes, read the other way where the characters around say which they imitate (`as_numbers`).
_LOOK_DIGIT = str.maketrans("OolIi|!", "0011111")
# ... and, in a run that already holds three real digits ("44556G7", "617-SSS-0142", "123-4S-6789"), the letters
# that look like digits less closely (T 7, A 4, g q 9 too): never in a short code ("B12", "SpO2", "G6PD" hold fewer
# digits).
_LOOK_DIGIT_WIDE = str.maketrans("OolIi|!SsGbBZzQDTAgq", "00111115566822007499")
_WIDE_DIGITS = 3
_LOOK_LETTER = str.maketrans("013456789", "oleasbtbg")
# A run of letters and digits, with the separators a number is written with inside it ("6l7-555-0l42", "O3/l4/l952").
_NUMBER_RUN = re.compile(r"[A-Za-z0-9|!]+(?:[-/.:,][A-Za-z0-9|!]+)*")
_ALNUM = re.compile(r"[A-Za-z0-9|!]+")
# A number with its ordinal or unit, or a dose's frequency, read as it is: "1st", "10pm", "5th", "8h", "3x", "q4h".
_NUMBER_WITH_UNIT = re.compile(r"\d+(?:st|nd|rd|th|[ap]m|hr?s?|x)|q\d+h?", re.IGNORECASE)
# After a word that says a number follows (a room, a bed, a record number), a short run is read as digits too when it
# shows it is one (a capital O, a digit, a bar or "!" in it): "room lO", "room IO", "room !2", "bed I0".
_NUMBER_CUE = re.compile(r"\b(?:room|rm|bed|bay|mrn|ssn|dob|born|phone|cell|fax|id)\s*[#:;.]?\s*$", re.IGNORECASE)


def _looked(token: str) -> str:
    """A run of letters and digits as what it imitates: digits when its letters all look like digits ("6l7", "O3",
    "l952"); letters when its digits all look like letters and letters outnumber them ("r00m", "b3d", "8ed")."""
    letters = sum(not c.isdigit() for c in token)
    if not letters or letters == len(token) or len(token) < 3 or _NUMBER_WITH_UNIT.fullmatch(token):
        return token
    digit_look = token.translate(_LOOK_DIGIT)
    if digit_look.isdigit():
        return digit_look
    letter_look = token.translate(_LOOK_LETTER)
    if letter_look.isalpha() and letters >= len(token) - letters:
        return letter_look
    return token


def _as_digits(text: str, cued: bool) -> str | None:
    """A whole run read as digits, when every letter in it looks like one: "lO/l4/l952" (four characters or more),
    "44556G7" (three real digits or more, with the wider look-alikes), "lO" after a room word."""
    whole = "".join(c for c in text if c.isalnum() or c in "|!")
    if len(whole) >= 4 and whole.translate(_LOOK_DIGIT).isdigit():
        return text.translate(_LOOK_DIGIT)
    if sum(c.isdigit() for c in whole) >= _WIDE_DIGITS and whole.translate(_LOOK_DIGIT_WIDE).isdigit():
        return text.translate(_LOOK_DIGIT_WIDE)
    if cued and len(whole) >= 2 and re.search(r"[O0-9|!]", whole) and whole.translate(_LOOK_DIGIT).isdigit():
        return text.translate(_LOOK_DIGIT)
    return None


def as_numbers(read: str) -> tuple[str, list[tuple[int, int]]]:
    """A skeleton with ASCII's look-alikes inside identifiers read as what they imitate, for the detectors of numbers
    and places: "6l7-555-0l42" as "617-555-0142", "DOB O3/l4/lO52" as "DOB 03/14/1052", "SSN l23-45-6789", "r00m
    12" and "ro0m 12" as "room 12", "b3d 4" as "bed 4". A run of letters and digits is read as digits when every
    letter in it looks like a digit (O o → 0; l I i | ! → 1), across its separators too ("lO/l4/l952"), and in a run
    holding three real digits S s → 5, G b → 6, B → 8, Z z → 2, Q D → 0 as well ("617-SSS-0142", "44556G7"); a word
    whose digits look like letters (0 o, 1 l, 3 e, 4 a, 5 s, 7 t, 8 b) and that holds at least as many letters is
    read as letters. Short runs ("O2", "D3": a number needs four characters, a word three; but "room lO") and numbers
    with their unit ("1st", "10pm", "q4h") are read as they are. The reading has the skeleton's length, character for
    character (a span of it is the same span of the skeleton); the spans it changed come with it."""
    if not any(c.isdigit() or c in "|!O" for c in read):
        return read, []
    pieces, changed, at = [], [], 0
    for run in _NUMBER_RUN.finditer(read):
        text = run.group()
        if text.isdigit() or not any(c.isdigit() or c in "|!O" for c in text):
            continue
        looked = _as_digits(text, _NUMBER_CUE.search(read, max(0, run.start() - 12), run.start()) is not None)
        if looked is None:
            looked = _ALNUM.sub(lambda token: _looked(token.group()), text)
        if looked != text:
            pieces += [read[at:run.start()], looked]
            changed.append(run.span())
            at = run.end()
    pieces.append(read[at:])
    return "".join(pieces), changed


# Letters that imitate other letters together: "rn" is m, "cl" is d, "vv" is w; and $ 5 are s, l 1 | ! are i, 0 o,
# 3 e, 4 a @, 7 t +, 8 6 b. A word whose key is a cue word's is read as that cue word ("roorn" room, "becl" bed,
# "claughter" daughter, "patlent" patient, "tvvelve" twelve, "$treet" street); other words are left as they are.
_KEY_LETTERS = str.maketrans("$51|!l03478@+6", "siiiiioeatbatb")
_CLUSTERS = re.compile(r"rn|cl|vv")
_CUE_WORDS = words("""room rm bed bay patient resident daughter son wife husband mother father mom dad sister brother
    uncle aunt niece nephew grandson granddaughter grandmother grandfather grandma grandpa cousin partner street avenue
    road lane drive born named mrn ssn dob phone one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety""")
_WORD_RUN = re.compile(r"(?<![\w$|!@+])[A-Za-z0-9$|!@+]{2,14}(?![\w$|!@+])")


def _key(word: str) -> str:
    return _CLUSTERS.sub(lambda m: {"rn": "m", "cl": "d", "vv": "w"}[m.group()], word.lower()).translate(_KEY_LETTERS)


_CUE_KEYS = {_key(word): word for word in _CUE_WORDS}


def as_words(read: str) -> tuple[str, list[tuple[int, int]]]:
    """A text with words that imitate a cue word (a room, a bed, a patient or relative word, a street word, a number
    word) read as that word, padded with spaces to the text's length: "roorn 12" as "room  12", "becl 14" as "bed  14",
    "the claughter Maria" as "the daughter  Maria". The spans it changed come with it."""
    pieces, changed, at = [], [], 0
    for match in _WORD_RUN.finditer(read):
        word = match.group()
        cue = _CUE_KEYS.get(_key(word))
        if cue is None or word.lower() == cue:
            continue
        pieces += [read[at:match.start()], cue.ljust(len(word))]
        changed.append(match.span())
        at = match.end()
    if not changed:
        return read, []
    pieces.append(read[at:])
    return "".join(pieces), changed


def around(text: str, spans: list[tuple[int, int]], before: int = 100, after: int = 60) -> str:
    """The text blanked (spaces, its length kept) but for whole words within `before` characters before and `after`
    characters after each span: a second reading of a long story costs the detectors only what changed in it."""
    kept = [" "] * len(text)
    for start, end in spans:
        low, high = max(0, start - before), min(len(text), end + after)
        while low > 0 and not text[low - 1].isspace():
            low -= 1
        while high < len(text) and not text[high].isspace():
            high += 1
        kept[low:high] = text[low:high]
    return "".join(kept)
