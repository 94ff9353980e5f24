"""The one normalisation of free text, applied at the edge (web.Request, uploads, the CLI) before anything is stored.

Plain Python: the patient-information screen and the rules read the same definition of what is invisible.
Text that looks the same is stored the same: NFKC (full-width letters, ligatures and decomposed accents become their
plain forms), without control characters, bidi overrides, lone surrogates, and without what is drawn as nothing or
cannot be drawn at all: Unicode's default-ignorable code points (a zero-width space inside "room", a soft hyphen, a
word joiner, tag characters…), every other format character (Cf: interlinear annotations, Egyptian format controls,
prepended number signs), private-use, unassigned and surrogate code points, and the object replacement character;
except what an emoji sequence needs (a joiner between two emoji, a variation selector, the tags of England's, Scotland's
and Wales's flags). Characters drawn as a blank that are not spaces (the braille blank) become a space.
"""

import re
import unicodedata

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; bidi embeddings,
# overrides and isolates (they flip the text around them); lone surrogates; non-characters.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15); a run of tag characters is one match.
_DEFAULT_IGNORABLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                      "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
                      "\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
# Emoji not yet in this Python's Unicode (unassigned here, Extended_Pictographic there): a newer phone's 🩷 is kept.
_FUTURE_EMOJI = range(0x1F000, 0x1FFFE)


def _ranges(chars: list[int]) -> str:
    """A regular expression's character class body for these code points (sorted), as ranges."""
    out, start = [], None
    for at, code in enumerate(chars):
        if start is None:
            start = code
        if at + 1 == len(chars) or chars[at + 1] != code + 1:
            out.append(re.escape(chr(start)) + ("-" + re.escape(chr(code)) if code > start else ""))
            start = None
    return "".join(out)


def _never_drawn() -> str:
    """Every format (Cf), private-use (Co), unassigned (Cn) and surrogate (Cs) code point of this Python's Unicode,
    and U+FFFC (an object that plain text cannot hold). Planes 4 to 13 are unassigned and planes 15 and 16 private use
    in every version: only the first four planes and plane 14 are looked up, once, when this module is imported."""
    codes = [code for code in [*range(0x40000), *range(0xE0000, 0xE1000)]
             if unicodedata.category(chr(code)) in ("Cf", "Co", "Cn", "Cs") and code not in _FUTURE_EMOJI
             and not 0xE0020 <= code <= 0xE007F]
    return _ranges([*codes, 0xFFFC]) + "\U00040000-\U000dffff\U000e1000-\U0010ffff"


# What the normalisation removes; a run of tag characters is one match (see _ignorable).
IGNORABLE = re.compile(f"[\U000e0020-\U000e007f]+|[{_DEFAULT_IGNORABLE}{_never_drawn()}]")
# Drawn as a blank without being a space (Zs, which NFKC makes a space): stored as a space. Lines and paragraphs
# separators (Zl, Zp) as a new line.
BLANKS = {"\u2800": " ", "\U0001d159": " ", "\u2028": "\n", "\u2029": "\n"}
_BLANK = re.compile(f"[{''.join(BLANKS)}]")

_ZWJ, _EMOJI_STYLE, _BLACK_FLAG, _KEYCAP = "\u200d", "\ufe0e\ufe0f", "\U0001f3f4", "\u20e3"
# The tags a flag may carry: those of Unicode's recommended (RGI) subdivision flags, England, Scotland and Wales
# ("gbeng", "gbsct", "gbwls" in tag letters, then the cancel tag). Any other run of tags can spell hidden text.
_FLAG_TAGS = re.compile("|".join("".join(chr(0xE0000 + ord(c)) for c in region) + "\U000e007f"
                                 for region in ("gbeng", "gbsct", "gbwls")))

# Form fields and JSON members that carry a password (org/forms.py): never normalised, only stripped of control
# characters as they always were, so a password still matches the hash made of it before NFKC existed here.
SECRET_FIELDS = frozenset({"password", "current", "new", "confirm"})


def _emoji(char: str) -> bool:
    return (unicodedata.category(char) == "So" or "\U0001f3fb" <= char <= "\U0001f3ff"  # (skin tones are Sk)
            or ord(char) in _FUTURE_EMOJI)


def _ignorable(match: re.Match) -> str:
    """An invisible character removed, unless an emoji sequence needs it: a joiner between two emoji (👩‍⚕️), a
    variation selector after an emoji or a keycap's digit (❤️, 1️⃣), the tags of a subdivision flag (🏴 of England)."""
    char, text, at = match.group(), match.string, match.start()
    before, after = text[at - 1:at], text[match.end():match.end() + 1]
    if char == _ZWJ and before and after and (_emoji(before) or before in _EMOJI_STYLE) and _emoji(after):
        return char
    if char in _EMOJI_STYLE and before and (_emoji(before) or (before in "0123456789#*" and after == _KEYCAP)):
        return char
    if before == _BLACK_FLAG and _FLAG_TAGS.fullmatch(char):
        return char
    return ""


def normalise(value: str) -> str:
    """Text as a person meant it, in one spelling (see the module's docstring). Applying it twice changes nothing."""
    value = IGNORABLE.sub(_ignorable, _UNWANTED.sub("", value))
    if value.isascii():
        return value
    return _BLANK.sub(lambda blank: BLANKS[blank.group()],
                      IGNORABLE.sub(_ignorable, unicodedata.normalize("NFKC", value)))


def has_invisible(value: str) -> bool:
    """Whether a text holds an invisible character that `normalise` would remove, or a blank it would make a space."""
    return IGNORABLE.sub(_ignorable, value) != value or _BLANK.search(value) is not None


def strip_controls(value: str) -> str:
    """A secret as typed, only without control characters (never NFKC: see SECRET_FIELDS)."""
    return _UNWANTED.sub("", value)
