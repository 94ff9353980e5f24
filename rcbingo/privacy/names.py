"""Names of patients and their relatives, and the roster of staff whose names are never reported.

Capitalised words are the main evidence. A run of two or more is a person unless it is a roster person, a colleague
(a role word before or after it), a heading, or an organisation, program or place. A single name needs a cue: a
courtesy title ("Mrs. Delgado"), a patient or relative word ("our patient Chen", "her husband Tom"), or the words
after it ("Walter's daughter", "Arthur, who was so scared"). In lower case only a strong cue before it makes a word a
name, and only when it is no plain English word ("mr. smith", "pt jones", "his wife linda").

Roster names are not reported: a roster person's full name (or first name + surname), or a lone staff first name or
surname. A capitalised run that mixes a staff word with others ("Ellen Park" when only Olivia Park is staff) is
somebody else, and an explicit relative or patient word right before a name ("her husband Tom", "our patient Chen")
outweighs the roster unless the words after it are a roster person's full name. Recall matters more than precision
here (a missed identifier reaches a wall screen; a false alarm costs a coordinator a glance), so the rules lean
towards flagging.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from .kinds import Span
from .lexicon import FAMILY, MONTH_NAMES, ORG, PARTICLES, PATIENT_WORDS, STAFF_CUE_WORDS, STOP, plain_word, words
from .skeleton import looks_like

# Words right before a name that make it a clinician, chaplain or colleague rather than a patient.
_STAFF_CUE = re.compile(
    r"(?:\b(?i:dr|drs|doctor|prof|professor|nurse|chaplain|pastor|rev|reverend|rabbi|imam|fr|np|pa|rn|lpn|cna|rt|ot"
    r"|slp|tech|pharmacist|therapist|dietitian|physician|surgeon|intensivist|hospitalist|attending|intern|fellow"
    r"|preceptor|orientee|student|volunteer|colleague|coworker|co-worker|teammate|manager|director|supervisor"
    r"|educator|coordinator|clerk|secretary|aide|medic|paramedic|interpreter|translator|grad|traveler|traveller|float"
    r"|locum|housekeeper|porter|transporter|scribe|receptionist|doc|captain|capt|coach|chef|sarge|boss|officer)"
    r"|\b(?:Father|Sister|Brother))"
    r"\.?,?\s+(?:(?i:named|called)\s+)?(?:[A-Z][\w'’-]*\s+)?$")
_ROLES = (r"(?:nurse|rn|lpn|cna|np|pa|grad|intern|fellow|doctor|physician|surgeon|pharmacist|therapist"
          r"|rt|dietitian|chaplain|tech|aide|clerk|secretary|volunteer|student|colleague|coworker|teammate|traveler)s?")
# ... and words right after it that do the same: "Sam, our new grad", "Sam from pharmacy".
_STAFF_AFTER = re.compile(
    rf"(?:\s+(?-i:[A-Z])[\w'’-]*)?(?:\s*,?\s*\(?(?:our|the|a|an|my)\s+(?:\w+\s+)?{_ROLES}\b|\s+from\s+(?:the\s+)?"
    r"(?:pharmacy|respiratory|rt|lab|radiology|rehab|therapy|nutrition|dietary|security|transport|chaplaincy"
    r"|social\s+work|case\s+management|\w+\s+team)\b)", re.IGNORECASE)
# Courtesy titles, English and Spanish, in any case ("mrs lopez", "Sra. Ruiz"); "Miss" and "Don" only capitalised,
# since "miss" and "don" are verbs too.
# French, German and Vietnamese ones too, as the screen reads them (no accents: "bà" is "ba", "ông" is "ong").
_ANY_CASE_TITLES = (r"mr|mrs|ms|mx|mister|sr|sra|srta|se[ñn]or|se[ñn]ora|se[ñn]orita|do[ñn]a|madame|mme|mlle"
                    r"|mademoiselle|monsieur|frau|herr|ba|ong")
_TITLE = rf"(?:(?i:{_ANY_CASE_TITLES})|Miss|MISS|Don|DON)"
# A title's dot may stand for its space: "Mr.Alvarez" is "Mr. Alvarez"; and so may an underscore, a semicolon, a
# slash or a dash ("Mr_Alvarez", "Mr;Alvarez", "Mr/Alvarez").
_TITLE_GAP = r"(?:[._;/-]\s*|\s+)"
_COURTESY = re.compile(rf"(?<![\w.]){_TITLE}{_TITLE_GAP}((?:(?:van|von|de|del|della|da|di|du|la|le)\s+)*)$")
_COURTESY_INITIAL = re.compile(rf"(?<![\w.]){_TITLE}{_TITLE_GAP}(?:([A-Z])(?![\w'’])|([a-z])(?=[.,;:!?)]|\s*$))")
_FAMILY_BEFORE = re.compile(
    rf"\b(?:his|her|their|the|whose|\w+['’]s)\s+(?:\w+\s+)?{FAMILY}(?:\s+of\s+\w+\s+years)?\s*,?\s*\(?"
    rf"(?:(?:named|called)\s+)?(?:(?-i:[A-Z])[\w'’-]*\s*,?\s+(?:(?:and|&)\s+)?){{0,3}}$", re.IGNORECASE)
_FAMILY_AFTER = re.compile(
    rf"\s*,?\s*\(?(?:his|her|their|the\s+patient['’]s|the)\s+(?:\w+\s+)?{FAMILY}\b(?![ \t]+[A-Z])", re.IGNORECASE)
_PATIENT_BEFORE = re.compile(
    rf"(?:\b(?:{PATIENT_WORDS}|resident|client|veteran|gentleman|lady|man|woman|boy|girl|baby|infant|toddler|teen"
    r"|teenager|kiddo)s?\.?,?\s+(?:(?:named|called|known\s+as)\s+)?|\b(?:named|known\s+as|nicknamed)\s+(?:\w+\s+)?"
    rf"|\b{PATIENT_WORDS}['’]?s?\s+name\s*(?:was|is|:)\s+"
    r"|\b(?:sat|stayed|stood|sang|prayed|laughed|cried|danced|walked|talked|spoke|played)\s+with\s+"
    r"|\b(?:cared|caring|advocated|advocating)\s+for\s+|\blooked\s+after\s+"
    r"|\b(?:sang|read|prayed)\s+(?:to|for)\s+"
    r"|\b(?:visited|comforted|reassured|calmed|soothed|bathed|showered|dressed|turned|fed|lifted|helped|hugged|held"
    r"|mobilized|ambulated|extubated|intubated|discharged|admitted|transferred|shaved|repositioned|suctioned"
    r"|sedated|resuscitated|proned|settled|washed)\s+)$",
    re.IGNORECASE)
_PATIENT_AFTER = re.compile(  # an optional surname first: "Walter Chen's daughter" where Chen is staff
    r"(?:\s+(?-i:[A-Z])[\w'’-]+)?"
    r"(?:['’]s\s+(?:\w+\s+)?(?:room|bed|bedside|care|pain|meds|medications?|breathing|vent|ventilator|trach|tube"
    r"|lines?|wounds?|dressing|diagnosis|surgery|transfer|admission|discharge|chart|labs?|scan|mri|goals|wishes"
    r"|birthday|hands?|heart|oxygen|sats|blood|fever|infection|delirium|recovery|prognosis|condition|skin|family"
    rf"|{FAMILY})\b"
    r"|,?\s+(?:who\s+)?(?:was|is|had\s+been|got|became)\s+(?:just\s+|finally\s+|so\s+)?(?:admitted|intubated"
    r"|extubated|discharged|transferred|sedated|weaned|delirious|confused|agitated|septic|dying|unresponsive|scared"
    r"|terrified|frightened|afraid|anxious|nonverbal|in\s+pain|on\s+(?:the\s+)?(?:vent|ventilator|bipap"
    r"|comfort\s+care|hospice))"
    r"|\s+(?:finally\s+)?(?:passed\s+away|died|coded|went\s+home|woke\s+up|came\s+off|breathed\s+on)"
    r"|\s*,\s*(?:a|an|our)\s+(?:\d+[\s-]*years?[\s-]*old|patient|resident|veteran|gentleman|lady|man|woman)"
    r"|\s+(?:in|from)\s+(?:room|rm|bed|bay)\b|(?:,\s+|\s+\()\d{1,3}(?:\s*,|\))"
    rf"|\s*(?:,|,?\s+and|,?\s+&)\s+(?:his|her|their)\s+(?:\w+\s+)?{FAMILY}\b)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int  # a possessive 's is left outside the token
    word: str
    possessive: bool


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _WORD.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        possessive = len(word) > 2 and word[-2] in "'’" and word[-1] in "sS"
        if possessive:
            word, end = word[:-2], end - 2
        tokens.append(_Token(start, end, word, possessive))
    return tokens


def _capitalised(token: _Token) -> bool:
    word = token.word
    return word[0].isupper() and (len(word) == 1 or not word.isupper())  # acronyms like ICU are not names


def _is_staff(token: _Token, staff: frozenset[str]) -> bool:
    word = token.word.casefold()
    return word in staff or any(part in staff for part in re.split(r"['’-]", word) if len(part) > 1)


def _namelike(token: _Token, staff: frozenset[str], cued: bool = False) -> bool:
    word = token.word.lower()
    ordinary = word in STOP and not (cued and word in MONTH_NAMES)  # "his wife June", but "in June"
    return _capitalised(token) and len(word) > 1 and not ordinary and not _is_staff(token, staff)


def _joined(text: str, a: _Token, b: _Token) -> bool:
    """Whether b continues the name that a is part of: only spaces between them, or a middle initial's dot."""
    gap = text[a.end:b.start]
    if a.possessive or "\n" in gap:
        return False
    return gap.isspace() or (len(a.word) == 1 and re.fullmatch(r"\.\s+", gap) is not None)


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 12):start].rstrip(" \t\"'“‘([")
    return (not before and start <= 12) or (before != "" and before[-1] in ".!?:;\n")


def _staff_context(text: str, start: int) -> bool:
    return _STAFF_CUE.search(text, max(0, start - 40), start) is not None


def _extend(text: str, tokens: list[_Token], i: int, staff: frozenset[str]) -> int:
    """Index of the last token of the name that starts at tokens[i] (up to three words, particles allowed)."""
    j = i
    while j - i < 3 and j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]):
        nxt = tokens[j + 1]
        if _namelike(nxt, staff):
            j += 1
        elif (nxt.word in PARTICLES and j + 2 < len(tokens) and _joined(text, nxt, tokens[j + 2])
              and _namelike(tokens[j + 2], staff)):
            j += 2
        else:
            break
    return j


def _cued_names(text: str, tokens: list[_Token], staff: frozenset[str]) -> list[tuple[int, int, str]]:
    """Names that some nearby word marks as a patient's or a relative's."""
    found = []
    for i, token in enumerate(tokens):
        if not _namelike(token, staff, cued=True) or _staff_context(text, token.start):
            continue
        window = max(0, token.start - 60)
        after = text[token.end:token.end + 80]
        start, courtesy = token.start, _COURTESY.search(text, window, token.start)
        if courtesy:
            kind, start = "patient_name", courtesy.start(1) if courtesy.group(1) else start  # "Ms. de la Cruz"
        elif _STAFF_AFTER.match(text, token.end):
            continue
        elif _FAMILY_BEFORE.search(text, window, token.start):
            kind = "family_name"
        elif _PATIENT_BEFORE.search(text, window, token.start):
            kind = "patient_name"
        elif _FAMILY_AFTER.match(after):
            found.append((token.start, token.end, "family_name"))
            continue
        elif _PATIENT_AFTER.match(after):
            found.append((token.start, token.end, "patient_name"))
            continue
        else:
            continue
        found.append((start, tokens[_extend(text, tokens, i, staff)].end, kind))
    for match in _COURTESY_INITIAL.finditer(text):  # "Mr. D." (or "ms. b,") is still somebody
        initial = match.lastindex or 1
        if match.group(initial).lower() not in staff:
            found.append((match.start(initial), match.end(initial), "patient_name"))
    return found


def _title_case(text: str, tokens: list[_Token], start: int, staff: frozenset[str]) -> bool:
    """Whether the line holding `start` is a Title Case Heading, where capitals say nothing about names."""
    low, high = text.rfind("\n", 0, start) + 1, text.find("\n", start)
    high = len(text) if high < 0 else high
    words = [t for t in tokens if low <= t.start < high and len(t.word) > 3 and not _is_staff(t, staff)]
    return len(words) >= 3 and all(_capitalised(t) for t in words)


_TITLES = words("dr doctor doc mr mrs ms miss mx prof rn md np pa sr sra")


@dataclass(frozen=True)
class _Roster:
    words: frozenset[str]  # every word of every staff name, and each part of a hyphenated one, casefolded
    firsts: frozenset[str]  # first names
    # the words of each person's name that can stand for them together, in order: full name, first name + surname,
    # "Mary Ann" of Mary Ann Smith; titles, initials and particles left out
    people: frozenset[tuple[str, ...]]


def roster(staff_names: Iterable[str]) -> _Roster:
    """The roster in the form the name rules read; the same names give the same (cached) roster."""
    return _roster(tuple(staff_names))


@lru_cache(maxsize=16)
def _roster(staff_names: tuple[str, ...]) -> _Roster:
    words, firsts, people = set(), set(), set()
    for name in staff_names:  # read as the screen reads a text: as they look (José as Jose)
        parts = [word.casefold() for word in _WORD.findall(looks_like(name)) if word.casefold() not in _TITLES]
        for word in parts:
            words.add(word)
            words.update(part for part in re.split(r"['’-]", word) if len(part) > 1)
        named = [word for word in parts if len(word) > 1 and word not in PARTICLES]
        if named:
            firsts.add(named[0])
        people.update(combo for n in range(2, min(len(named), 4) + 1) for combo in combinations(named, n))
    return _Roster(frozenset(words), frozenset(firsts), frozenset(people))


def _person_end(segment: list[_Token], i: int, roster: _Roster) -> int:
    """Index just past the roster person spelled from segment[i] on (full name, or first name + surname), or 0."""
    words, best = [], 0
    for j in range(i, len(segment)):
        if _initial_or_particle(segment[j]):
            continue
        words.append(segment[j].word.casefold())
        if tuple(words) in roster.people:
            best = j + 1
        if len(words) == 4:
            break
    return best


def _initial_or_particle(token: _Token) -> bool:
    return len(token.word) == 1 or token.word in PARTICLES


def _people_in(segment: list[_Token], roster: _Roster) -> list[list[_Token]]:
    """A run of name words cut into the people it names, leaving out roster people. A staff first name starts a new
    person ("Ask Maya" is not a name), but a staff surname after an unknown first name does not ("Ellen Park" is)."""
    pieces: list[list[_Token]] = [[]]
    i = 0
    while i < len(segment):
        token = segment[i]
        if not _initial_or_particle(token):
            end = _person_end(segment, i, roster)
            if end:
                pieces.append([])
                i = end
                continue
            if token.word.casefold() in roster.firsts and any(not _initial_or_particle(t) for t in pieces[-1]):
                pieces.append([])
        pieces[-1].append(token)
        i += 1
    return pieces


def _full_names(text: str, tokens: list[_Token], roster: _Roster) -> list[tuple[int, int, str]]:
    """Two or more capitalised words in a row that look like a person who is not on the roster. A run that mixes a
    roster word with unknown ones ("Ellen Park" where only Olivia Park is staff) is somebody else."""
    staff = roster.words
    found, i = [], 0
    while i < len(tokens):
        j = i
        while _capitalised(tokens[i]) and j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]) and (
                _capitalised(tokens[j + 1]) or tokens[j + 1].word in PARTICLES):
            j += 1
        run, i = tokens[i:j + 1], j + 1
        if (len(run) < 2 or any(t.word.lower() in ORG for t in run)
                or _staff_context(text, run[0].start) or _STAFF_AFTER.match(text, run[-1].end)
                or _title_case(text, tokens, run[0].start, staff)):
            continue
        first = run[0].word.lower()
        sentence_word = (len(first) >= 9 and first.endswith("ly")) or (len(first) >= 6 and first.endswith("ing"))
        if sentence_word and _at_sentence_start(text, run[0].start):
            run = run[1:]  # "Thankfully Walter ..."; "Knowing Walter ..."
        segment: list[_Token] = []
        for token in [*run, None]:
            if token is None or token.word.lower() in STOP:
                for piece in _people_in(segment, roster):
                    while piece and piece[-1].word in PARTICLES:
                        piece.pop()
                    if len([t for t in piece if not _initial_or_particle(t)]) >= 2:
                        found.append((piece[0].start, piece[-1].end, "patient_name"))
                segment = []
                if token is not None and token.word.lower() in STAFF_CUE_WORDS:
                    break  # "Nurse Sam Lee": what follows a role word is a colleague
            else:
                segment.append(token)
    return found


# An explicit relative or patient right before a name is strong enough evidence to flag it even when it is also a
# staff first name or surname ("her husband Tom", "our patient Chen"); only a full roster name is then a colleague.
_STRONG_FAMILY = re.compile(
    rf"\b(?:his|her|their|whose|\w+['’]s)\s+(?:(?!(?:nurse|doctor|dr|chaplain)\b)\w+\s+)?(?P<cue>{FAMILY})"
    r"(?:\s+of\s+\w+\s+years)?\s*,?\s*\(?(?:(?:named|called)\s+)?$", re.IGNORECASE)
_STRONG_PATIENT = re.compile(
    r"(?<![\w-])(?P<cue>patient|pacient|paciente|pateint|paitent|patinet|patiant|(?-i:pt|Pt)\.?|resident)(?:\s+(?:named|called|known\s+as))?(?P<comma>\s*,)?\s*\(?$",
    re.IGNORECASE)
_DETERMINER = re.compile(r"\b(?:our|the|a|an|my|this|that|his|her|their|one)\s+(?:\w+\s+)?$", re.IGNORECASE)
# "so patient Maya", "kind, patient Tom", "ever-patient Jess": patient is praise there, not a person.
_PATIENT_ADJECTIVE = re.compile(
    r"(?:\b(?:so|very|ever|always|endlessly|incredibly|infinitely|super|really|most|more|extra|too|such|is|was|were"
    r"|are|be|been|being|stay|stays|stayed|remain|remains|remained|felt|seemed|seems|how|and|or|but|kind|calm|gentle"
    r"|quiet|caring|warm|thoughtful|wise|steady)\s+|[,-]\s*)$", re.IGNORECASE)
# "the chief resident Tom", "the night resident": a doctor in training, not someone who lives in a care home.
_DOCTOR_RESIDENT = re.compile(
    r"\b(?:chief|senior|junior|surgical|surgery|medical|medicine|anesthesia|anaesthesia|icu|ed|er|em|peds|pediatric"
    r"|paediatric|radiology|ob|obgyn|psych|psychiatry|neuro|ortho|cardiology|first-year|second-year|third-year"
    r"|fourth-year|final-year|pgy-?\d|night|covering|on-call|admitting|new)\s+$", re.IGNORECASE)
_COURTESY_WORD = re.compile(rf"{_TITLE}{_TITLE_GAP}")
_LIST_GAP = re.compile(r"\s*,\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+")
_RELIGIOUS_TITLES = words("father mother sister brother")


def _strong_cue(text: str, start: int) -> tuple[str, bool, bool] | None:
    """The kind that an explicit relative or patient word right before `start` gives, whether it is plural, and
    whether a roster person's full name after it is still the colleague (after a relative or "resident" word, yes:
    staff marry staff; after "patient" or "pt", no: a patient may share a colleague's name)."""
    window = max(0, start - 80)
    family = _STRONG_FAMILY.search(text, window, start)
    if family:
        cue = family.group("cue")
        if cue[0].isupper() and cue.lower() in _RELIGIOUS_TITLES:
            return None  # "Sister Mary" is a nun, "Father Tom" a priest
        if cue.lower().startswith("partner") and not re.match(r"(?i:his|her|their|whose)\b", family.group(0)):
            return None  # "Tom's partner Maya" is as likely his partner on shift as his spouse
        return "family_name", cue.lower().endswith(("s", "children")), True
    patient = _STRONG_PATIENT.search(text, window, start)
    if not patient:
        return None
    cue, before = patient.group("cue").lower(), text[window:patient.start()]
    if cue == "patient" and _PATIENT_ADJECTIVE.search(before):
        return None
    if cue == "resident" and _DOCTOR_RESIDENT.search(before):
        return None
    if patient.group("comma") and not _DETERMINER.search(before):
        return None  # "Jess was patient, Tom said" is not a patient called Tom
    return "patient_name", False, cue == "resident"


def _run_end(text: str, tokens: list[_Token], i: int) -> int:
    """Index of the last token of the capitalised run (at most four words) that starts at tokens[i]."""
    j = i
    while j - i < 3 and j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]):
        nxt = tokens[j + 1]
        if _capitalised(nxt) and nxt.word.lower() not in STOP:
            j += 1
        elif (nxt.word in PARTICLES and j + 2 < len(tokens) and _joined(text, nxt, tokens[j + 2])
              and _capitalised(tokens[j + 2]) and tokens[j + 2].word.lower() not in STOP):
            j += 2
        else:
            break
    return j


def _strongly_cued_names(text: str, tokens: list[_Token], roster: _Roster) -> list[tuple[int, int, str]]:
    """Names right after "her husband", "his daughters", "our patient", "the resident named" ... staff words or not."""
    found = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        cue = _strong_cue(text, token.start) if _capitalised(token) and len(token.word) > 1 else None
        if cue is None:
            i += 1
            continue
        (kind, plural, roster_protects), first = cue, i
        for _ in range(4):  # "her sons Tom and Ari"
            courtesy = _COURTESY_WORD.match(text, tokens[i].start)
            if courtesy and i + 1 < len(tokens) and tokens[i + 1].start == courtesy.end():
                i += 1  # "the patient, Mr. Bell": the cue outweighs the title rule
            if not _capitalised(tokens[i]) or len(tokens[i].word) < 2 or (
                    tokens[i].word.lower() in STOP and tokens[i].word.lower() not in MONTH_NAMES):
                break  # "her husband Dr. Park" is a doctor
            j = _run_end(text, tokens, i)
            run = tokens[i:j + 1]
            words = tuple(t.word.casefold() for t in run if not _initial_or_particle(t))
            if ((words not in roster.people or not roster_protects) and not _STAFF_AFTER.match(text, tokens[j].end)
                    and not any(t.word.lower() in ORG for t in run)):
                found.append((run[0].start, run[-1].end, kind))
            i = j + 1
            gap = _LIST_GAP.match(text, tokens[j].end)
            if gap and i < len(tokens) and tokens[i].start < gap.end():
                i += 1  # the "and" of "Tom and Ari"
            if not plural or i >= len(tokens) or not gap or gap.end() != tokens[i].start:
                break
        i = max(i, first + 1)
    return found


# An explicit patient word right after a name: "Mr. Ruiz, our patient, was scared", "Navarro (patient) cried",
# "Price, the patient who fell"; never "Price, the patient's nurse" nor "Sam (PT)", a physical therapist.
_PATIENT_NEXT = re.compile(
    r"\s*(?:,|\()\s*(?:(?:our|the|a|an|my|this|that)\s+(?:(?!patient)[a-z]+\s+)?)?"
    r"(?:patient|pacient|paciente|pateint|paitent|patinet|patiant|(?-i:pt|Pt))\.?"
    r"(?=\s*(?:[,.;:!?)\]]|$)|\s+(?:who|that|whom|in|on|from|with|was|is|had|has|and|got|went|came)\b)",
    re.IGNORECASE)
# "Navarro's family called": the person whose family it is, is the patient.
_FAMILY_NEXT = re.compile(r"['’]s\s+(?:whole\s+|entire\s+)?famil(?:y|ies)\b(?!\s+(?-i:[A-Z]))", re.IGNORECASE)


def _named_then_cued(text: str, tokens: list[_Token], roster: _Roster) -> list[tuple[int, int, str]]:
    """Names followed by an explicit patient word (", our patient", "(patient)") or "'s family", roster words or not:
    the roster protects a name in a staff context only. "'s family" after a roster person's full name or a staff
    first name ("Tom's family brought cake") is a colleague's family."""
    found = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not _capitalised(token) or len(token.word) < 2 or token.word.lower() in STOP:
            i += 1
            continue
        j = _run_end(text, tokens, i)
        run, last = tokens[i:j + 1], tokens[j]
        i = j + 1
        cued = (_FAMILY_NEXT if last.possessive else _PATIENT_NEXT).match(text, last.end)
        if not cued or _staff_context(text, token.start) or any(t.word.lower() in ORG for t in run):
            continue
        if last.possessive:  # "Navarro's family": a colleague's family when it is a roster person or first name
            words = tuple(t.word.casefold() for t in run if not _initial_or_particle(t))
            titled = _COURTESY.search(text, max(0, token.start - 20), token.start) is not None
            if not titled and (words in roster.people or (len(words) == 1 and words[0] in roster.firsts)):
                continue
        found.append((token.start, last.end, "patient_name"))
    return found


_NOT_HOUSEHOLDS = words("""nursing night day weekend evening shift unit floor work host foster military royal holiday
    dinner support care carer caregiver staff bingo connections connection program magnet intensivist intensivists
    hospitalist hospitalists clinician clinicians technician technicians chaplain chaplains manager managers riverside
    mercy providence baptist methodist presbyterian catholic lutheran adventist kaiser cardio pulmonary pulm renal
    nephrology transplant burn float pool crew olympics paralympics oscars grammys emmys marines philippines bahamas
    netherlands maldives alps andes rockies himalayas americas sixties seventies eighties nineties twenties""")
_SURNAME = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-(?:[A-Z]['’])?[A-Z]?[a-z]+(?:[A-Z][a-z]+)?)*"  # O'Neil-McKay
_HOUSEHOLD = re.compile(
    rf"(?-i:\b({_SURNAME}))\s+(?P<word>famil(?:y|ies)|household|clan)\b(?!['’]?\s*(?:rounds?|meetings?|conferences?"
    r"|rooms?|lounge|cent(?:er|re)d|care|support|presence|visits?|visiting|updates?|liaisons?|time|members?\s+of"
    r"|engagement|involvement|education|council|advisory|partners?|waiting|huddles?|calls?|nights?|days?|events?"
    r"|dinners?|potluck|picnic|photos?|activities|friendly)\b)", re.IGNORECASE)
# Verbs that open a practice line before "family" ("Updated family daily", "Involve family in rounds").
_LINE_VERBS = words("""update call meet met support include keep kept involve engage welcome invite join bring
    brought tell told help text page reach guide teach taught show give gave let ask thank reassure prepare comfort
    connect notify notified inform contact gather greet host phone email facetime pray sit sat listen explain empower
    educate train coach calm console remind encourage escort walk drive drove feed fed find found brief debrief visit
    hug hugged see saw hear heard put get got treat honor honour respect serve protect""")
_PLURAL_SURNAME = re.compile(
    rf"(?-i:\b[Tt]he\s+(?:(?:whole|entire|lovely|wonderful|amazing|sweet|kind)\s+)?({_SURNAME}(?<![su]s)(?<!is)s))"
    r"(?!['’]?[\w-])(?!\s+[A-Z])")
_EVENT_OF = re.compile(r"(?-i:\b[A-Z][a-z]+\s+of\s+)[Tt]he\s+$")  # "the Blessing of the Hands"
_OUR = re.compile(r"\b(?:our|my|your|whole|entire)\s+$", re.IGNORECASE)


def _ordinary(word: str, roster: _Roster) -> bool:
    """Whether a capitalised word before "family" or after "the" is a unit, team or place word, not a surname."""
    parts = [word.casefold(), *re.split(r"['’-]", word.casefold())]
    return any(part in STOP or part in ORG or part in _NOT_HOUSEHOLDS or part in roster.words
               or part.endswith(("ology", "ologist", "ologists", "ics", "iatry")) for part in parts)


def _line_verb(word: str) -> bool:
    word = word.lower()
    stems = {word, word[:-1], word[:-2], word[:-3], word.removesuffix("ied") + "y", word.removesuffix("ies") + "y"}
    return bool(stems & _LINE_VERBS) or (len(word) >= 6 and word.endswith(("ed", "ing")))


def _households(text: str, tokens: list[_Token], roster: _Roster) -> tuple[list[tuple[int, int, str]], set[str]]:
    """Surnames that name a patient's family: "the Johnson family", "the Nguyen household", "the Garcias"; and the
    singular of each plural, so that a later "Mr. Garcia" or "Garcia" is found too."""
    found, stems = [], set()
    for match in _HOUSEHOLD.finditer(text):
        word, start = match.group(1), match.start(1)
        our = _OUR.search(text, max(0, start - 20), start)
        # a Title Case heading ("Closed Loop Family Meeting") needs "the" before the surname to count
        heading = match.group("word")[0].isupper() and _title_case(text, tokens, start, roster.words)
        the = re.search(r"\bthe\s+$", text[max(0, start - 10):start], re.IGNORECASE)
        if _ordinary(word, roster) or _staff_context(text, start) or (our and not the) or (heading and not the):
            continue
        if not the and _at_sentence_start(text, start) and _line_verb(word):
            continue
        found.append((start, match.end(1), "patient_name"))
    for match in _PLURAL_SURNAME.finditer(text):
        word, start = match.group(1), match.start(1)
        singular = [word[:-1], *([word[:-2]] if word.endswith(("ses", "xes", "zes", "ches", "shes")) else [])]
        heading = _title_case(text, tokens, start, roster.words) or _EVENT_OF.search(text, max(0, start - 40), start)
        if heading or any(_ordinary(w, roster) for w in (word, *singular)):
            continue
        found.append((start, match.end(1), "patient_name"))
        stems.update(singular)
    return found, stems


# A strong cue before a word written in lower case or capitals: a courtesy title, a patient word, a relative word
# after "his", "her", "the patient's" ..., or "named". ("mr. smith", "pt jones", "pt's wife linda", "MRS LOPEZ")
_LOWER_CUE = re.compile(
    rf"(?:(?<![\w.])(?P<title>(?i:{_ANY_CASE_TITLES})|Miss|MISS)"
    rf"{_TITLE_GAP}$"
    rf"|(?:(?<![\w-])(?P<patient>patient|pacient|paciente|pateint|paitent|patinet|patiant|pt|resident)\.?,?"
    rf"(?:\s+(?:named|known\s+as))?"
    rf"|\b(?:his|her|their|whose|\w+['’]s)\s+(?:\w+\s+)?(?P<family>{FAMILY}),?(?:\s+named)?"
    rf"|\b(?:named|nicknamed|known\s+as)|\b{PATIENT_WORDS}['’]?s?\s+name\s*(?:was|is|:))\s+$)", re.IGNORECASE)


# The last word of any such cue: only a word after one of these is worth the cue's search.
_CUE_ENDS = words("""mr mrs ms mx mister sr sra srta señor senor señora senora señorita senorita doña dona madame mme
    mlle mademoiselle monsieur frau herr ba ong miss patient pacient
    paciente pateint paitent patinet patiant pt resident named nicknamed as was is name""")
_FAMILY_WORD = re.compile(FAMILY, re.IGNORECASE)


def _after_cue_word(tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return False
    word = tokens[i - 1].word
    return word.lower() in _CUE_ENDS or _FAMILY_WORD.fullmatch(word) is not None or word.lower().endswith("law")


def _uncapitalised_names(text: str, tokens: list[_Token], roster: _Roster) -> list[Span]:
    """Names written in lower case (or all capitals after a title) right after a strong cue, when they are no plain
    English word: "mr. smith in bed 4", "pt jones", "his wife linda", "the pacient mrs lopez"."""
    found = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.word
        lower, upper = word.islower(), word.isupper()
        if not (lower or upper) or len(word) < 2 or not _after_cue_word(tokens, i) or plain_word(word):
            i += 1
            continue
        cue = _LOWER_CUE.search(text, max(0, token.start - 60), token.start)
        if cue is None or (upper and not cue.group("title")):
            i += 1
            continue
        j = i  # "mrs. maria lopez": the next plain-English word ends the name
        while (j + 1 < len(tokens) and j - i < 2 and _joined(text, tokens[j], tokens[j + 1])
               and tokens[j + 1].word.islower() == lower and not plain_word(tokens[j + 1].word)):
            j += 1
        run = tokens[i:j + 1]
        spelled = tuple(t.word.casefold() for t in run)
        staff = any(_is_staff(t, roster.words) for t in run)
        if ((spelled in roster.people and not cue.group("patient")) or (staff and cue.group("title"))
                or _staff_context(text, cue.start())):
            i = j + 1
            continue
        found.append((run[0].start, run[-1].end, "family_name" if cue.group("family") else "patient_name"))
        i = j + 1
    return found


def _titled_surnames(text: str, tokens: list[_Token], roster: _Roster) -> list[Span]:
    """A roster surname alone after a courtesy title ("Mr. Ruiz" where Mateo Ruiz is staff): staff are seldom called
    so in these stories, and on a large roster common surnames would let any "Mrs. Garcia" through. A roster first
    name after the title ("Mr. Mateo Ruiz", "Miss Kim") is the colleague still."""
    found = []
    for i, token in enumerate(tokens):
        word = token.word.casefold()
        if (_capitalised(token) and len(word) > 1 and word in roster.words and word not in roster.firsts
                and (i == 0 or tokens[i - 1].word.casefold() not in roster.firsts)
                and _COURTESY.search(text, max(0, token.start - 30), token.start)):
            found.append((token.start, token.end, "patient_name"))
    return found


# A name with a patient word in brackets after it: "Devon Price [patient]", "Devon Price (pt)". The bracket says who
# it is, even when the name is a colleague's too ("Sam (PT)" is a physical therapist).
_BRACKETED_PATIENT = re.compile(
    r"(?-i:((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+))\s*[\[(]\s*(?:(?:our|the|a|my)\s+)?"
    r"(?:patient|pacient|paciente|(?-i:pt|Pt))s?\.?\s*[\])]",
    re.IGNORECASE)


def find(text: str, roster: _Roster, protected: Iterable[tuple[int, int]] = ()) -> list[Span]:
    """Names of patients and relatives in a text, never a roster person's; nothing inside a `protected` span (the
    hospital's programs and places)."""
    protected = list(protected)

    def outside(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in protected)

    staff = roster.words
    tokens = [token for token in _tokens(text) if outside(token.start, token.end)]
    households, stems = _households(text, tokens, roster)
    found = (_cued_names(text, tokens, staff) + _full_names(text, tokens, roster)
             + _strongly_cued_names(text, tokens, roster) + _named_then_cued(text, tokens, roster) + households
             + _uncapitalised_names(text, tokens, roster) + _titled_surnames(text, tokens, roster)
             + [(*match.span(1), "patient_name") for match in _BRACKETED_PATIENT.finditer(text)])
    # Once a word is known to name a patient or relative, its other mentions are that person too.
    known = dict.fromkeys(stems, "patient_name")
    starts = [token.start for token in tokens]
    for start, end, kind in found:
        for token in tokens[bisect_left(starts, start):]:
            if token.end > end:
                break
            if len(token.word) > 1:
                known.setdefault(token.word, kind)
    for token in tokens:
        if token.word in known and _namelike(token, staff) and not _staff_context(text, token.start):
            found.append((token.start, token.end, known[token.word]))
    return [span for span in found if outside(span[0], span[1])]
