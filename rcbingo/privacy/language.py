"""Whether the screen can read a text: its detectors know the READABLE languages only, and a story in another
language is held for a coordinator rather than published unread.

A word the screen cannot read holds the text whatever the rest says ("...with the пациент Иванов, палата 12."): a word
of two or more letters in a script other than Latin (Cyrillic, Greek, Arabic…), any Chinese, Japanese or Korean
letter, but not a Latin word with look-alike letters in it (read through the skeleton) nor a unit like "μg". Else
the language is told by lingua (`lingua-language-detector`), which works on short texts, among the languages staff
in a US hospital are likely to write in (LIKELY). A text is held only when lingua is confident that it is not in a
readable language (the readable ones together under 1 - CONFIDENT), and lingua never decides on fewer than
MIN_LETTERS letters ("bravo team" is not Italian). A story lingua calls English as a whole is read clause by
clause too, so that a clause in another language is not hidden by the English around it (CLAUSE_WORDS: "Ben kept
everyone calm, la patiente de la chambre douze était ravie"). Capitalised words are left out, for a name ("Dr.
Nguyễn Thị Lan stayed late") is not the language of its story, unless nearly every word has a capital (Title Case,
ALL CAPS: "LE PATIENT DE LA CHAMBRE DOUZE"), when the text is read case-folded. Measured on this project's 380
English stories and 50 short English thank-yous (tests/test_text_rules.py): no text written only in English held,
whole or clause by clause.

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

from .lexicon import ENGLISH, words
from .skeleton import looks_like

# The languages the screen reads. Spanish is one line: Language.SPANISH, once the screen knows Spanish (its issue).
READABLE = frozenset({Language.ENGLISH})

# Languages told apart from the readable ones: those staff are likely to write in, in a US hospital (Haitian Creole
# is not in lingua, which reads it as English or Tagalog: it is told by its own words, `_haitian_creole`). Latin,
# Chinese, Japanese and Korean scripts: a text mostly in another script is held by its letters, without a model.
LIKELY = (Language.ENGLISH, Language.SPANISH, Language.FRENCH, Language.PORTUGUESE, Language.GERMAN,
          Language.ITALIAN, Language.VIETNAMESE, Language.TAGALOG, Language.CHINESE, Language.JAPANESE,
          Language.KOREAN)

CONFIDENT = 0.8  # held when the readable languages together have less than 1 - CONFIDENT of lingua's confidence
# Fewer letters than this, once names are left out ("bravo team", "kudos amigo", "ZIP 59715") cannot be told apart:
# lingua took "bravo team" for Italian. Such a text is never held for its language (only for its script).
MIN_LETTERS = 16
# A text whose words nearly all start with a capital (Title Case, ALL CAPS) is read case-folded, every word kept,
# unless a quarter of its words are plain English words of three letters or more ("Great Work Nguyễn Thị Lan");
# otherwise capitalised words are names and left out ("Thanks to Jean-Baptiste Lefèvre and Françoise").
FOLD_SHARE = 0.8
ENGLISH_SHARE = 0.25

# A story mostly in English can hold a clause in another language ("Ben kept everyone calm, la patiente de la
# chambre douze était ravie"): lingua calls the whole English. A clause (between punctuation) of CLAUSE_WORDS words
# and CLAUSE_LETTERS letters or more, fewer than half of them plain English words, is read on its own too.
CLAUSE_WORDS = 4
CLAUSE_LETTERS = 16
# A lower-case German article before a capitalised word: a German noun, not a name.
_GERMAN_NOUN = re.compile(r"(?<!\w)(?:der|die|das|dem|den|des|ein|eine|einem|einen|einer)\s+[A-ZÄÖÜ]")
# Haitian Creole words that are no English word (lingua has no Creole model).
_CREOLE = words("""mesi mèsi paske anpil granmoun madanm pitit ede mwen pou kounye avek avèk fanmi bezwen kontan
    pasyan chanm kabann lopital enfimye enfimyè doktè mesye ankò toujou konnen ansanm pwoblèm pwoblem bèl byen anvan
    apre jodi lannwit maten swa""")
CREOLE_WORDS = 3
_CLAUSE = re.compile(r"[^,;:.!?()\[\]{}\n\"“”«»—–]+")
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
# Scripts written without spaces between words: one of their letters is a word ("王" is a surname).
_IDEOGRAPHIC = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
_NEUTRAL = ("LATIN", "MODIFIER")  # modifier letters (ʼ) belong to no script of their own
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


def unreadable_script(text: str) -> str | None:
    """The first script other than Latin that a word of the text is written in, when the screen cannot read that
    word: a word of two or more letters in another script ("пациент", "Иванов", a Greek word), any Chinese,
    Japanese or Korean letter, or a word mixing Latin with two or more letters that look like no Latin letter. A
    word mixing scripts to imitate a Latin word ("rооm" with Cyrillic o) is read through the skeleton, and so is
    a unit with one Greek letter ("μg", "Ω")."""
    for word in _LETTERS.findall(text):
        if word.isascii():
            continue
        scripts = [_script(c) for c in word if c.isalpha()]
        others = [s for s in scripts if not s.startswith(_NEUTRAL)]
        if not others:
            continue
        ideographic = [s for s in others if s.startswith(_IDEOGRAPHIC)]
        if ideographic:
            return ideographic[0]
        if len(others) < 2:
            continue
        if len(others) == len(scripts) or sum(not looks_like(c).isascii() for c in word if c.isalpha()) >= 2:
            return others[0]
    return None


def _script_language(text: str, script: str) -> str:
    """How a coordinator is told the language of a text held for its script: lingua's name for Chinese, Japanese
    and Korean, when it can tell from those letters; else the script ("Cyrillic script")."""
    if script.startswith(_IDEOGRAPHIC):
        letters = "".join(c for c in text if c.isalpha() and _script(c).startswith(_IDEOGRAPHIC))
        language = detector().detect_language_of(letters)
        if language is not None and language not in READABLE:
            return language.name.title()
        return "CJK script"
    return f"{script.title()} script"


def unreadable_language(text: str) -> str | None:
    """The language (in English: "French", "Cyrillic script") of a text the screen cannot read; None when the text
    is in a readable language, or too short or too mixed to tell."""
    if (script := unreadable_script(text)) is not None:
        return _script_language(text, script)
    words = [w for w in _WORD.findall(text) if any(c.isalpha() for c in w)]
    english = sum(len(w) > 2 and w.casefold() in ENGLISH for w in words)
    if sum(w[0].isupper() for w in words) >= FOLD_SHARE * len(words) and english < ENGLISH_SHARE * len(words):
        # Title Case or capitals ("LE PATIENT DE LA CHAMBRE DOUZE"): the case says nothing about names there.
        text = text.casefold()
    else:
        # Names are not the language of a story ("Dr. Nguyễn Thị Lan stayed late"): read without capitalised words.
        # But a clause where a German article stands before a capitalised word keeps its capitals: German nouns
        # ("die Frau hatte Angst").
        text = _CLAUSE.sub(lambda clause: clause.group() if _GERMAN_NOUN.search(clause.group())
                           else _WORD.sub(_lower_case_only, clause.group()), text)
    if (creole := _haitian_creole(text)) is not None:
        return creole
    found = _confidently_unreadable(text, MIN_LETTERS)
    for clause in _CLAUSE.findall(text) if found is None else ():
        words = [w for w in _WORD.findall(clause) if any(c.isalpha() for c in w)]
        if len(words) >= CLAUSE_WORDS and sum(w.casefold() in ENGLISH for w in words) < len(words) / 2:
            found = _confidently_unreadable(clause, CLAUSE_LETTERS)
            if found is not None:
                break
    return found


def _lower_case_only(word: re.Match) -> str:
    return "" if word.group()[0].isupper() else word.group()


def _haitian_creole(text: str) -> str | None:
    """Haitian Creole, which lingua does not know (it reads it as English or Tagalog): a text holding CREOLE_WORDS
    or more different words that are Creole and no English word ("mesi", "paske", "anpil", "granmoun")."""
    found = {w for w in _WORD.findall(text.casefold()) if w in _CREOLE}
    return "Haitian Creole" if len(found) >= CREOLE_WORDS else None


def _confidently_unreadable(text: str, min_letters: int) -> str | None:
    """The language lingua is confident a text is in, when it is not a readable one and the text has enough
    letters to tell."""
    if sum(c.isalpha() for c in text) < min_letters:
        return None
    values = detector().compute_language_confidence_values(text)
    if not values or values[0].language in READABLE:
        return None
    if sum(v.value for v in values if v.language in READABLE) >= 1 - CONFIDENT:
        return None
    return values[0].language.name.title()
