"""Whether the screen can read a text: its detectors know the READABLE languages only, and a story in another
language is held for a coordinator rather than published unread.

The language is told by lingua (`lingua-language-detector`), which works on short texts, among the languages staff
in a US hospital are likely to write in (LIKELY); a text mostly in another script (Cyrillic, Arabic, Hebrew,
Devanagari…) is unreadable by its letters alone. A text is held only when lingua is confident that it is not in a
readable language (the readable ones together under 1 - CONFIDENT): "Thanks Rita!" or "Great teamwork" are short and
ambiguous, never held for that; and words with a capital are left out, for a name ("Dr. Nguyễn Thị Lan stayed
late") is not the language of its story. Measured on this project's 380 English stories and 40 short English thank-yous
(tests/test_language.py): no English text held.

The detector takes about 1.6 s and 200 MB to build (lingua's high-accuracy models of the LIKELY languages; all of
lingua's 75 take about 10 s and 900 MB), once per process: gunicorn.conf.py builds it as each worker starts, before
the worker takes requests, so no card waits for it; elsewhere (tests, `flask run`, the CLI) the first card does.
Then a story takes well under a millisecond.
"""

from __future__ import annotations

import re
import threading
import unicodedata

from lingua import Language, LanguageDetectorBuilder

# The languages the screen reads. Spanish is one line: Language.SPANISH, once the screen knows Spanish (its issue).
READABLE = frozenset({Language.ENGLISH})

# Languages told apart from the readable ones: those staff are likely to write in, in a US hospital (Haitian Creole
# is not in lingua: it reads as French or Tagalog, and is held as such). Latin, Chinese, Japanese and Korean scripts:
# a text mostly in another script is held by its letters, without a model.
LIKELY = (Language.ENGLISH, Language.SPANISH, Language.FRENCH, Language.PORTUGUESE, Language.GERMAN,
          Language.ITALIAN, Language.VIETNAMESE, Language.TAGALOG, Language.CHINESE, Language.JAPANESE,
          Language.KOREAN)

CONFIDENT = 0.8  # held when the readable languages together have less than 1 - CONFIDENT of lingua's confidence
MIN_LETTERS = 8  # fewer letters ("ZIP 59715", "met on") cannot be told apart: never held for their language

_WORD = re.compile(r"\w+")
_READ_SCRIPTS = ("LATIN", "CJK", "HIRAGANA", "KATAKANA", "HANGUL")
_detector = None
_building = threading.Lock()


def detector():
    """lingua's detector for the LIKELY languages, built once per process (the first call waits for it)."""
    global _detector
    if _detector is None:
        with _building:
            if _detector is None:
                _detector = (LanguageDetectorBuilder.from_languages(*LIKELY)
                             .with_preloaded_language_models().build())
    return _detector


def _script(letter: str) -> str:
    return unicodedata.name(letter, "UNKNOWN").split()[0]


def unreadable_language(text: str) -> str | None:
    """The language (in English: "French", "Cyrillic script") of a text the screen cannot read; None when the text
    is in a readable language, or too short or too mixed to tell."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return None
    scripts = [_script(c) for c in letters]
    others = [s for s in scripts if not s.startswith(_READ_SCRIPTS)]
    if len(others) * 2 > len(letters):
        return f"{max(set(others), key=others.count).title()} script"
    # Names are not the language of a story ("Dr. Nguyễn Thị Lan stayed late"): read without capitalised words.
    text = _WORD.sub(lambda word: "" if word.group()[0].isupper() else word.group(), text)
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    values = detector().compute_language_confidence_values(text)
    if not values or values[0].language in READABLE:
        return None
    if sum(v.value for v in values if v.language in READABLE) >= 1 - CONFIDENT:
        return None
    return values[0].language.name.title()
