"""The one normalisation of free text, applied at the edge (web.Request, uploads, the CLI) before anything is stored.

Plain Python: the patient-information screen and the rules read the same definition of what is invisible.
Text that looks the same is stored the same: NFKC (full-width letters, ligatures and decomposed accents become their
plain forms), without control characters, bidi overrides, lone surrogates, and without Unicode's default-ignorable
code points (drawn as nothing: a zero-width space inside "room", a soft hyphen, a word joiner, tag characters…),
except where an emoji sequence needs one.
"""

import re
import unicodedata

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; bidi embeddings,
# overrides and isolates (they flip the text around them); lone surrogates; non-characters.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15); a run of tag characters is one match.
IGNORABLE = re.compile(
    "\u00ad|\u034f|\u061c|[\u115f\u1160]|[\u17b4\u17b5]|[\u180b-\u180f]|[\u200b-\u200f]|[\u202a-\u202e]"
    "|[\u2060-\u206f]|\u3164|[\ufe00-\ufe0f]|\ufeff|\uffa0|[\ufff0-\ufff8]|[\U0001bca0-\U0001bca3]"
    "|[\U0001d173-\U0001d17a]|[\U000e0020-\U000e007f]+|[\U000e0000-\U000e0fff]")

_ZWJ, _EMOJI_STYLE, _BLACK_FLAG, _KEYCAP = "\u200d", "\ufe0e\ufe0f", "\U0001f3f4", "\u20e3"
# A subdivision flag's tags (🏴 then "gbeng" in tag letters, then the cancel tag): a region code, nothing more.
_FLAG_TAGS = re.compile("[\U000e0030-\U000e0039\U000e0061-\U000e007a]{2,6}\U000e007f")

# Form fields and JSON members that carry a password (org/forms.py): never normalised, only stripped of control
# characters as they always were, so a password still matches the hash made of it before NFKC existed here.
SECRET_FIELDS = frozenset({"password", "current", "new", "confirm"})


def _emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or "\U0001f3fb" <= char <= "\U0001f3ff"  # (skin tones are Sk)


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
    return IGNORABLE.sub(_ignorable, unicodedata.normalize("NFKC", value))


def has_invisible(value: str) -> bool:
    """Whether a text holds an invisible character that `normalise` would remove."""
    return IGNORABLE.sub(_ignorable, value) != value


def strip_controls(value: str) -> str:
    """A secret as typed, only without control characters (never NFKC: see SECRET_FIELDS)."""
    return _UNWANTED.sub("", value)
