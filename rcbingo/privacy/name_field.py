"""What a name field (a card's writer or nominee) may hold: one colleague's name, in a shape a person's name has.

Accepted, and nothing else:
- an optional title first ("Dr.", "Nurse", "Chaplain", "Mr."; "Father", "Sister" and "Brother" only there);
- one to four name words, in any case, with initials ("J. Ferreira", "Julia M. Ferreira"), particles ("de la
  Cruz"), hyphens and apostrophes ("O'Brien-Walsh"); or a single surname, a comma and given names ("Ferreira, Julia");
- then credentials and suffixes ("RN", "PharmD", "Jr."), and one tail that says where or when the colleague
  works, after a comma, a dash, a slash, a parenthesis or "from", "in", "on", "of", "at", in plain words and no
  other name: "Julia (night shift)", "Julia Ferreira, RN", "Sam from pharmacy", "Rita - RT";
- emoji anywhere ("Rita Shah 🌟").
A field that is exactly a roster person's name is accepted as it is. A nickname in quotes ('Robert "Bob" Smith') is
held, and so is a name of four words that are two people ("Rita Shah John Smith") when neither is on the roster: the
field cannot tell them from one long name (a known limit).

Anything else is held for a coordinator, since a name field is published as it is typed: a patient, relative, room
or bed word anywhere ("Rita Shah (patient: Alvarez)", "Patient John Smith", "Jane Doe's daughter"), a courtesy title
that is not the first word ("Rita Shah For Mr Alvarez"), a digit, a joining word ("Rita and Sam", "Rita for Alvarez"),
a name word after a roster person's full name ("Mateo Ruiz John Smith"), more than four name words, a word in a
script the screen cannot read ("王先生" is "Mr. Wang"), or a capitalised word in the tail ("Julia (Alvarez)").
When unsure, hold: a false hold costs a coordinator a glance, a name on the wall cannot be taken back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .lexicon import FAMILY, PARTICLES, PATIENT_WORDS, STOP, plain_word, words
from .names import roster

# Titles that may open the field; a courtesy title anywhere else names somebody else ("Rita Shah for Mr Alvarez").
_LEADING = words("""dr doctor prof professor nurse chaplain rev reverend pastor rabbi imam fr father sister brother
    mr mrs ms miss mx mister sr sra srta señor senor señora senora señorita senorita""")
_COURTESY = words("mr mrs ms miss mx mister sra srta señor senor señora senora señorita senorita doña dona")
_RELIGIOUS = words("father sister brother")  # capitalised and first only: "Sister Grace" is a nun
_CREDENTIALS = words("""jr sr ii iii iv rn lpn lvn cna np pa md do rt rrt pt dpt ot otr ota slp ccc pharmd rph cpht
    bsn msn dnp phd ccrn aprn crna fnp acnp cns rd rdn msw lcsw licsw emt cmt cst mba mph cnl""")
# Words that join a name to something else: a name field holding one is a phrase, not a person.
_JOINING = words("""and or for with to by about after before re the a an who whom whose was is are were has had his
    her their our my your its he she they we him them this that when while because during per via thanks thank
    than then if as but so not no nor says said plus also w""")
_TAIL_START = words("from in on of at")
_PATIENT = re.compile(rf"{PATIENT_WORDS}s?|residents?|clients?|famil(?:y|ies)|household", re.IGNORECASE)
_FAMILY = re.compile(FAMILY, re.IGNORECASE)
_FAMILY_NAMES = words("son nana")  # relative words that are given names or surnames too: held in lower case only
_PLACE = re.compile(r"rooms?|rm|beds?|bedside|bay|cuarto|habitaci[oó]n|cama|chambre|quarto|zimmer|stanza",
                    re.IGNORECASE)
_TOKEN = re.compile(r"(?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*)\.?|(?P<digit>\d)|(?P<mark>\S)")
_SEPARATORS = frozenset("(),-–—/[]:;.!")
_HELD_MARKS = frozenset("@#&+")
_EMOJI = ("So", "Sk", "Mn", "Me", "Cf")  # symbols, and the joiners and selectors of their sequences


def _cue(word: str, first: bool) -> bool:
    """Whether a word says the field is about a patient, a relative, a room or a bed."""
    word = re.sub(r"['’][sS]$", "", word)  # "patient's"
    if _PATIENT.fullmatch(word) or _PLACE.fullmatch(word):
        return first or word != "PT"  # "Rita Shah PT" is a physical therapist
    if _FAMILY.fullmatch(word):
        if first and word.lower() in _RELIGIOUS and word[0].isupper():
            return False
        return word.lower() not in _FAMILY_NAMES or word.islower()
    return False


def _unread_script(word: str) -> bool:
    return any(not unicodedata.name(c, "LATIN").startswith("LATIN") for c in word if c.isalpha())


def _credential(word: str, in_capitals: bool) -> bool:
    folded = word.lower()
    return folded in _CREDENTIALS or (not in_capitals and word.isupper() and 2 <= len(word) <= 5)


def _tail_word(word: str) -> bool:
    folded = word.lower()
    return (folded in STOP or folded in _CREDENTIALS or folded in _TAIL_START or (word.isupper() and len(word) <= 5)
            or (word.islower() and plain_word(word)))


def _named(words_: list[str]) -> tuple[str, ...]:
    return tuple(w.casefold() for w in words_ if len(w) > 1 and w.lower() not in PARTICLES)


def beyond_a_name(text: str, staff_names: Iterable[str] = ()) -> int | None:
    """Where a name field stops reading as one colleague's name (an offset in `text`), or None when it reads as one.
    `text` is read as it looks: the screen passes its skeleton."""
    tokens = [t for t in _TOKEN.finditer(text)  # an emoji says nothing about a patient: "Rita Shah 🌟"
              if not (t.group("mark") and unicodedata.category(t.group("mark")) in _EMOJI)]
    if not tokens:
        return None
    staff = roster(staff_names)
    if _named([t.group("word") for t in tokens if t.group("word") and t.group("word").lower() not in _LEADING]
              ) in staff.people:
        return None  # exactly a roster person
    for at, token in enumerate(tokens):  # held wherever it stands
        word = token.group("word")
        if token.group("digit") or token.group("mark") in _HELD_MARKS or (word and (
                _cue(word, at == 0) or _unread_script(word) or (at > 0 and word.lower() in _COURTESY))):
            return tokens[0].start() if at == 0 else token.start()
    in_capitals = all(t.group("word").isupper() for t in tokens if t.group("word") and len(t.group("word")) > 1)
    at = 1 if tokens[0].group("word") and tokens[0].group("word").lower() in _LEADING else 0
    name, at = _name_words(tokens, at, in_capitals)
    if at < len(tokens) and tokens[at].group("mark") == "," and len(name) == 1:  # "Ferreira, Julia"
        given, after = _name_words(tokens, at + 1, in_capitals)
        if given and not all(_credential(t.group("word"), in_capitals) for t in given):
            name, at = name + given, after
    if not name:
        return tokens[min(at, len(tokens) - 1)].start()
    spelled = [t.group("word") for t in name]
    named = _named(spelled)
    if len(named) > 4 or any(named[:n] in staff.people for n in range(2, len(named))):
        return name[0].start()  # more than a person, or a roster person and somebody else ("Rita Shah John Smith")
    if any(w.islower() and w.lower() not in PARTICLES for w in spelled) and not all(w.islower() for w in spelled):
        return name[0].start()  # "Rita Shah cared Alvarez": a lower-case word in a capitalised name
    while at < len(tokens) and tokens[at].group("word") and _credential(tokens[at].group("word"), in_capitals):
        at += 1  # "RN", "Jr."
    return None if at == len(tokens) else _tail(tokens, at)


def _name_words(tokens, at: int, in_capitals: bool) -> tuple[list, int]:
    """The name words from tokens[at] on, and the index after them."""
    name = []
    while at < len(tokens) and tokens[at].group("word"):
        word = tokens[at].group("word")
        if word.lower() in _JOINING or (name and (word.lower() in _TAIL_START or _credential(word, in_capitals))):
            break
        name.append(tokens[at])
        at += 1
    return name, at


def _tail(tokens, at: int) -> int | None:
    """Where the words after the name stop being a tail about where or when the colleague works ("(night shift)",
    "from pharmacy", ", RN"), or None."""
    first = tokens[at]
    if first.group("mark") not in _SEPARATORS and (first.group("word") or "").lower() not in _TAIL_START:
        return first.start()
    for token in tokens[at:]:
        word, mark = token.group("word"), token.group("mark")
        if (mark is not None and mark not in _SEPARATORS) or (word and not _tail_word(word)):
            return token.start()
    return None
