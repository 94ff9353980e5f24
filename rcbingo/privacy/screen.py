"""Screening of stories and practice lines for patient identifiers before they are published.

Plain pattern matching, no outside services: each detector proposes spans, overlaps are settled in favour of the more
specific kind, and names from the unit roster are never reported. Recall matters more than precision here (a missed
identifier reaches a wall screen; a false alarm costs a coordinator a glance), so the name rules lean towards flagging.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

KINDS = ("patient_name", "family_name", "room", "bed", "mrn", "dob", "date", "age_over_89", "phone", "email",
         "address", "ssn")


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int  # character offset in the text (inclusive)
    end: int  # exclusive; text[start:end] == finding.text
    text: str


# When two candidates overlap, the one listed first wins (then the longer one).
_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("ssn", "email", "phone", "dob", "mrn", "address", "age_over_89", "date", "room", "bed", "family_name",
     "patient_name"))}

# ---------------------------------------------------------------------------------------------------------- numbers

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|(?-i:May)|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])\.?")
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
_YEAR = r"(?:(?:,?\s+|-)(?:\d{4}|'\d{2})(?!\d))?"
_DATE_WORDS = rf"(?:(?<![\d.]){_DAY}[\s-]+(?:of\s+)?{_MONTH}{_YEAR}|\b{_MONTH}\s*(?:the\s+)?{_DAY}{_YEAR})"
_DATE_DIGITS = r"(?<![\d/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}[/.-]\d{1,2}[/.-]\d{1,2})(?![\d/-]|\.\d)"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_AGE = (r"(?:(?<![\d.])(?:9\d|1[01]\d)(?!\d)|\b(?:ninety|(?:a|one)\s+hundred)(?:[\s-]+(?:and[\s-]+)?"
        r"(?:one|two|three|four|five|six|seven|eight|nine)\b)?)")  # 90 to 119, in digits or words
_TIME_UNITS = r"(?!\s*(?:%|percent|min|minutes?|hours?|hrs?|days?|weeks?|months?|years?|times?|x\b))"
_PLACE_NO = r"[A-Z]?\d{1,4}[A-Z]?\b"
_STREET = (r"(?i:(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Way|Terrace|Circle|Highway|Parkway|Trail"
           r"|Square|Loop|Crescent)\b|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Cir|Hwy|Pkwy|Trl|Sq|Cres)\b\.?)")
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH"
           "|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY")


def _numeric_date(match: re.Match) -> bool:
    parts = [int(part) for part in re.split(r"[/.-]", match.group(0))]
    if parts[0] > 31:  # year first
        return 1 <= parts[1] <= 12 and 1 <= parts[2] <= 31
    a, b = parts[0], parts[1]
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)


def _short_date(match: re.Match) -> bool:
    a, b = int(match.group(2)), int(match.group(3))
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12 and (a, b) != (24, 7))  # not "24/7"


def _born_long_ago(match: re.Match) -> bool:
    return date.today().year - int(match.group(1)) >= 90


# (kind, pattern, group whose span is reported, extra check). Case-insensitive unless a pattern scopes it off.
_PATTERNS: list[tuple[str, str, int, Callable[[re.Match], bool] | None]] = [
    ("email", r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", 0, None),
    ("ssn", r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", 0, None),
    ("ssn", r"\b(?:SSN|SS\s*#|social\s+security(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*(?:is\s+|was\s+)?"
            r"\d{3}[\s-]?\d{2}[\s-]?\d{4}(?!\d)", 0, None),
    ("phone", r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)"
              r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?", 0, None),
    ("phone", r"(?<![\w+])\+[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)", 0,
     lambda m: len(re.sub(r"\D", "", m.group(0))) >= 8),
    # a seven-digit local number only when something says it is a number to call
    ("phone", r"\b(?:call(?:ed|ing)?|phone|cell|mobile|tel|text(?:ed)?|dial(?:ed)?|reach(?:ed)?|number|at)\s*"
              r"(?:is\s+|was\s+|on\s+)?:?\s*#?\s*(\d{3}[-.]\d{4})(?![\d-])", 1, None),
    ("dob", rf"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?|birthday(?:\s+(?:is|was|on|of))?)"
            rf"\s*[:(-]?\s*(?:the\s+)?(?:{_DATE_WORDS}|{_DATE_DIGITS})", 0, None),
    ("age_over_89", r"\bborn\s+(?:in\s+)?((?:18|19)\d{2})(?!\d)", 0, _born_long_ago),
    ("mrn", r"\b(?:MRN|MR\s*#|MR\s+(?:number|no\.?)|medical\s+record(?:\s+(?:number|no\.?|#))?"
            r"|(?:chart|record|account|acct|encounter|visit|patient|pt)\s*(?:number|no\.?|#|id))"
            r"\s*[:#]?\s*(?:is\s+|was\s+)?[A-Z]{0,3}-?\d[\d-]{2,}\d(?![\w-])", 0, None),
    ("mrn", r"\bID\s*[:#]?\s*\d{5,}(?![\w-])", 0, None),
    ("mrn", r"(?<![\w.,/+-])\d{7,}(?![\w/-]|[.,]\d)", 0, None),  # long bare digit runs: record numbers
    ("address", rf"(?-i:\b\d{{1,6}}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\.?\s+){{1,3}}"
                rf"{_STREET}(?:,?\s*(?i:Apt|Apartment|Unit|Suite|Ste|#)\.?\s*#?\s*\w+)?)", 0, None),
    ("address", r"(?:lives?|lived|living|home|house|farm|ranch|grew\s+up)\s+(?:on|at|in|off)\s+"
                r"((?-i:(?:[A-Z][a-z]+\s+){1,3}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Highway|Trail)))\b",
     1, None),
    ("address", r"\bP\.?\s*O\.?\s*Box\s*#?\s*\d+", 0, None),
    ("address", rf"(?-i:(?:\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}},\s*)?\b(?:{_STATES})\.?\s+\d{{5}}(?:-\d{{4}})?\b)",
     0, None),
    ("address", r"\bzip(?:\s*code)?\s*:?\s*\d{5}(?:-\d{4})?\b", 0, None),
    ("date", _DATE_WORDS, 0, None),
    ("date", _DATE_DIGITS, 0, _numeric_date),
    ("date", r"\b(?:on|since|until|till|dated)\s+((\d{1,2})/(\d{1,2}))(?![\d/])", 1, _short_date),
    ("date", rf"\b{_WEEKDAY},?\s+(?:the\s+(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?|(?:3[01]|[12]\d|0?[1-9])"
             rf"(?:st|nd|rd|th))\b", 0, None),
    ("age_over_89", rf"{_AGE}[\s-]*(?:years?|yrs?\.?)[\s-]*(?:old|of\s+age|young)\b", 0, None),
    ("age_over_89", rf"{_AGE}[\s-]*(?:y/?o|y\.o\.?)(?![a-z])", 0, None),
    ("age_over_89", rf"\b(?:aged?|ages)\s*(?:of\s+)?:?\s*{_AGE}(?!\s*%)", 0, None),
    ("age_over_89", r"(?<![\d.])(?:9\d|1[01]\d)(?:st|nd|rd|th)\s+birthday", 0, None),
    ("age_over_89", r"\bin\s+(?:his|her|their)\s+(?:early\s+|mid[\s-]?|late\s+)?(?:90s|90['’]s|nineties)"
                    r"|\b(?:centenarian|nonagenarian)s?\b", 0, None),
    ("age_over_89", rf"\b(?:she|he|who|they|patient)\s*(?:is|was|['’]s|turned|turns|is\s+turning|just\s+turned"
                    rf"|had\s+just\s+turned|will\s+be)\s+{_AGE}(?=\s*(?:[.,;:!?)]|$|and\b|but\b|when\b|years?\b"
                    rf"|today\b|yesterday\b|this\b|last\b|next\b|on\b))", 0, None),
    # an age set off after a name: "Mr. Thompson, 94, asked ..." or "Edna (93)"
    ("age_over_89", rf"(?-i:\b[A-Z][a-z]+(?:,\s+|\s+\()({_AGE})(?=\s*[,.;)]))", 1, None),
    ("room", rf"\b(?:room|rm|bay|cubicle)s?\.?[\s#:.-]*(?:number\s*|no\.?\s*)?#?\s*{_PLACE_NO}{_TIME_UNITS}"
             rf"(?:\s*(?:,|and|&|or|to|-|/)\s*{_PLACE_NO})*", 0, None),
    ("bed", rf"\b(?:bed|bed\s*space|stretcher|crib)s?\.?[\s#:.-]*(?:number\s*|no\.?\s*)?#?\s*{_PLACE_NO}{_TIME_UNITS}"
            rf"(?:\s*(?:,|and|&|or|to|-|/)\s*{_PLACE_NO})*", 0, None),
]
_COMPILED = [(kind, re.compile(pattern, re.IGNORECASE), group, check) for kind, pattern, group, check in _PATTERNS]

# ------------------------------------------------------------------------------------------------------------ names


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MONTHS_AND_DAYS = _words("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday""")
# Role words that make the capitalised words after them a colleague: "Nurse Sam Lee", "Chaplain Ruth Ames".
_STAFF_CUE_WORDS = _words("""dr doctor nurse chaplain pastor reverend rabbi imam father sister brother professor
    pharmacist therapist dietitian physician surgeon""")
_MONTH_NAMES = _words("april may june august")  # months that are also given names
# Capitalised words that are not names: sentence starters, hospital and recognition vocabulary. A run of capitalised
# words is cut at these, so "Thanks Walter Brooks" still yields "Walter Brooks".
_STOP = _MONTHS_AND_DAYS | _STAFF_CUE_WORDS | _words("""
    a an the and or but nor so yet for of in on at to from by with without within into onto over under about above
    below after before during since until till through throughout across around behind beside between beyond near
    off out up down upon via per than then as if when whenever while where wherever why how what which who whom whose
    this that these those there here it its i me my mine we our ours us you your he him his she her hers they them
    their one everyone everybody someone somebody anyone nobody none all both each every either neither some any many
    much more most few several other another such no not never always often sometimes usually also even just only
    still again once already almost very really too quite rather well yes ok okay please thanks thank kudos shoutout
    shout congrats congratulations bravo wow welcome hello hi hey dear happy huge big great good best better amazing
    awesome special new old first second third last next today tonight yesterday tomorrow morning afternoon evening
    night overnight week weekend month year day days hour shift shifts is was were are be been being am do does did
    have has had can could shall should might must let lets finally luckily recently thankfully quickly sadly
    clearly honestly seriously especially fortunately unfortunately hopefully initially eventually immediately truly
    certainly definitely personally ultimately apparently suddenly slowly gently calmly quietly patiently together
    instead meanwhile afterwards afterward later earlier soon now because although though despite whether plus
    however therefore otherwise anyway besides two three four five six seven eight nine ten spring fall winter
    icu ward wards floor floors pod pods bay wing tower hospital clinic center centre department dept health
    healthcare medical medicine surgery surgical pharmacy respiratory therapy therapies nursing nurse nurses doctor
    doctors physician physicians resident residents attending fellow intern interns team teams staff rounds round
    huddle huddles report handoff handover charge code blue rapid response family families patient patients pt safety
    quality experience care critical intensive emergency trauma cardiac cardiology neuro neurology oncology
    palliative hospice comfort rehab rehabilitation social work worker workers case management manager managers
    director leadership admin administration coordinator coordinators lab labs radiology imaging transport security
    spiritual environmental services service food nutrition dietary dietitian speech language pathology occupational
    physical therapist therapists technician tech techs pharmacist pharmacists volunteer volunteers interpreter
    interpreters stepdown step-down telemetry med surg ortho peds pediatrics maternity labor delivery cath dialysis
    infusion infection prevention control wound line lines pump pumps bed beds chair lift monitor vent ventilator
    oxygen unit units rc bingo card cards story stories relational coordination recognition award awards catch star
    stars hero heroes champion spotlight god lord jesus christ covid flu epic pyxis omnicell vocera zoom outlook
    google christmas thanksgiving easter halloween hanukkah ramadan diwali eid valentine memorial independence north
    south east west main street avenue road lane drive city county state usa america american history children
    english spanish french german chinese vietnamese russian arabic somali mandarin cantonese portuguese mr mrs ms
    miss mx mister dr doctor prof professor sir madam mom mum dad father mother sister brother""")
# A capitalised run containing one of these is an organisation, event or place, not a person.
_ORG = _words("""hospital clinic center centre institute university college school academy foundation association
    society committee council department unit program programme service services award awards week conference summit
    team group club church network system health healthcare medical memorial regional general street avenue road
    boulevard lane drive court way place county city company inc llc project initiative campaign fund office lab
    laboratory manor village scale syndrome disease children guide guidelines meeting meetings toolkit checklist
    protocol policy bundle plan form board sheet template training course class series challenge event fair party
    potluck walk""")
_PARTICLES = _words("van von de del della da di du la le bin al")
# Words right before a name that make it a clinician, chaplain or colleague rather than a patient.
_STAFF_CUE = re.compile(
    r"(?:\b(?i:dr|drs|doctor|prof|professor|nurse|chaplain|pastor|rev|reverend|rabbi|imam|fr|np|pa|rn|lpn|cna|rt|ot"
    r"|slp|tech|pharmacist|therapist|dietitian|physician|surgeon|intensivist|hospitalist|attending|intern|fellow"
    r"|preceptor|orientee|student|volunteer|colleague|coworker|co-worker|teammate|manager|director|supervisor"
    r"|educator|coordinator|clerk|secretary|aide|medic|paramedic|interpreter|translator|grad|traveler|traveller|float"
    r"|locum|housekeeper|porter|transporter|scribe|receptionist)|\b(?:Father|Sister|Brother))"
    r"\.?,?\s+(?:(?i:named|called)\s+)?(?:[A-Z][\w'’-]*\s+)?$")
_ROLES = (r"(?:nurse|rn|lpn|cna|np|pa|grad|intern|fellow|doctor|physician|surgeon|pharmacist|therapist"
          r"|rt|dietitian|chaplain|tech|aide|clerk|secretary|volunteer|student|colleague|coworker|teammate|traveler)s?")
# ... and words right after it that do the same: "Sam, our new grad", "Sam from pharmacy".
_STAFF_AFTER = re.compile(
    rf"(?:\s+(?-i:[A-Z])[\w'’-]*)?(?:\s*,?\s*\(?(?:our|the|a|an|my)\s+(?:\w+\s+)?{_ROLES}\b|\s+from\s+(?:the\s+)?"
    r"(?:pharmacy|respiratory|rt|lab|radiology|rehab|therapy|nutrition|dietary|security|transport|chaplaincy"
    r"|social\s+work|case\s+management|\w+\s+team)\b)", re.IGNORECASE)
_COURTESY = re.compile(r"(?<![\w.])(?:Mr|Mrs|Ms|Miss|Mx|Mister)\.?\s+((?:(?:van|von|de|del|della|da|di|du|la|le)\s+)*)"
                       r"$")
_COURTESY_INITIAL = re.compile(r"(?<![\w.])(?:Mr|Mrs|Ms|Miss|Mx|Mister)\.?\s+([A-Z])(?![\w'’])")
_FAMILY = (r"(?:wife|husband|spouse|partner|son|daughter|child|kid|mother|father|mom|mum|mama|dad|papa|parent|sister"
           r"|brother|sibling|twin|grandson|granddaughter|grandchild|grandkid|grandmother|grandfather|grandma|grandpa"
           r"|granny|nana|aunt|auntie|uncle|niece|nephew|cousin|fianc[ée]e?|boyfriend|girlfriend|stepson"
           r"|stepdaughter|stepmother|stepfather|stepmom|stepdad|guardian|widow|widower"
           r"|(?:son|daughter|mother|father|brother|sister)[\s-]in[\s-]law)s?")
_FAMILY_BEFORE = re.compile(
    rf"\b(?:his|her|their|the|whose|\w+['’]s)\s+(?:\w+\s+)?{_FAMILY}(?:\s+of\s+\w+\s+years)?\s*,?\s*\(?"
    rf"(?:(?:named|called)\s+)?(?:(?-i:[A-Z])[\w'’-]*\s*,?\s+(?:(?:and|&)\s+)?){{0,3}}$", re.IGNORECASE)
_FAMILY_AFTER = re.compile(
    rf"\s*,?\s*\(?(?:his|her|their|the\s+patient['’]s|the)\s+(?:\w+\s+)?{_FAMILY}\b(?![ \t]+[A-Z])", re.IGNORECASE)
_PATIENT_BEFORE = re.compile(
    r"(?:\b(?:patient|pt|resident|client|veteran|gentleman|lady|man|woman|boy|girl|baby|infant|toddler|teen"
    r"|teenager|kiddo)s?\.?,?\s+(?:(?:named|called|known\s+as)\s+)?|\b(?:named|known\s+as|nicknamed)\s+(?:\w+\s+)?"
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
    rf"|{_FAMILY})\b"
    r"|,?\s+(?:who\s+)?(?:was|is|had\s+been|got|became)\s+(?:just\s+|finally\s+|so\s+)?(?:admitted|intubated"
    r"|extubated|discharged|transferred|sedated|weaned|delirious|confused|agitated|septic|dying|unresponsive|scared"
    r"|terrified|frightened|afraid|anxious|nonverbal|in\s+pain|on\s+(?:the\s+)?(?:vent|ventilator|bipap"
    r"|comfort\s+care|hospice))"
    r"|\s+(?:finally\s+)?(?:passed\s+away|died|coded|went\s+home|woke\s+up|came\s+off|breathed\s+on)"
    r"|\s*,\s*(?:a|an|our)\s+(?:\d+[\s-]*years?[\s-]*old|patient|resident|veteran|gentleman|lady|man|woman)"
    r"|\s+(?:in|from)\s+(?:room|rm|bed|bay)\b|(?:,\s+|\s+\()\d{1,3}(?:\s*,|\))"
    rf"|\s*(?:,|,?\s+and|,?\s+&)\s+(?:his|her|their)\s+(?:\w+\s+)?{_FAMILY}\b)", re.IGNORECASE)
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
    ordinary = word in _STOP and not (cued and word in _MONTH_NAMES)  # "his wife June", but "in June"
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
        elif (nxt.word in _PARTICLES and j + 2 < len(tokens) and _joined(text, nxt, tokens[j + 2])
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
    for match in _COURTESY_INITIAL.finditer(text):  # "Mr. D." is still somebody
        if match.group(1).lower() not in staff:
            found.append((match.start(1), match.end(1), "patient_name"))
    return found


def _title_case(text: str, tokens: list[_Token], start: int, staff: frozenset[str]) -> bool:
    """Whether the line holding `start` is a Title Case Heading, where capitals say nothing about names."""
    low, high = text.rfind("\n", 0, start) + 1, text.find("\n", start)
    high = len(text) if high < 0 else high
    words = [t for t in tokens if low <= t.start < high and len(t.word) > 3 and not _is_staff(t, staff)]
    return len(words) >= 3 and all(_capitalised(t) for t in words)


def _full_names(text: str, tokens: list[_Token], staff: frozenset[str]) -> list[tuple[int, int, str]]:
    """Two or more capitalised words in a row that look like a person who is not on the roster."""
    found, i = [], 0
    while i < len(tokens):
        j = i
        while _capitalised(tokens[i]) and j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]) and (
                _capitalised(tokens[j + 1]) or tokens[j + 1].word in _PARTICLES):
            j += 1
        run, i = tokens[i:j + 1], j + 1
        if (len(run) < 2 or any(t.word.lower() in _ORG or _is_staff(t, staff) for t in run)
                or _staff_context(text, run[0].start) or _STAFF_AFTER.match(text, run[-1].end)
                or _title_case(text, tokens, run[0].start, staff)):
            continue
        first = run[0].word.lower()
        sentence_word = (len(first) >= 9 and first.endswith("ly")) or (len(first) >= 6 and first.endswith("ing"))
        if sentence_word and _at_sentence_start(text, run[0].start):
            run = run[1:]  # "Thankfully Walter ..."; "Knowing Walter ..."
        segment: list[_Token] = []
        for token in [*run, None]:
            if token is None or token.word.lower() in _STOP:
                while segment and segment[-1].word in _PARTICLES:
                    segment.pop()
                if len([t for t in segment if len(t.word) > 1 and t.word not in _PARTICLES]) >= 2:
                    found.append((segment[0].start, segment[-1].end, "patient_name"))
                segment = []
                if token is not None and token.word.lower() in _STAFF_CUE_WORDS:
                    break  # "Nurse Sam Lee": what follows a role word is a colleague
            else:
                segment.append(token)
    return found


def _names(text: str, staff: frozenset[str]) -> list[tuple[int, int, str]]:
    tokens = _tokens(text)
    found = _cued_names(text, tokens, staff) + _full_names(text, tokens, staff)
    # Once a word is known to name a patient or relative, its other mentions are that person too.
    known = {}
    for start, end, kind in found:
        for token in tokens:
            if start <= token.start and token.end <= end and len(token.word) > 1:
                known.setdefault(token.word, kind)
    for token in tokens:
        if token.word in known and _namelike(token, staff) and not _staff_context(text, token.start):
            found.append((token.start, token.end, known[token.word]))
    return found


# ------------------------------------------------------------------------------------------------------------ screen


def _staff_words(staff_names: Iterable[str]) -> frozenset[str]:
    words = set()
    for name in staff_names:
        for word in _WORD.findall(name):
            words.add(word.casefold())
            words.update(part.casefold() for part in re.split(r"['’-]", word) if len(part) > 1)
    return frozenset(words - _words("dr doctor mr mrs ms miss mx prof rn md np pa"))


def screen(text: str, staff_names: Iterable[str] = ()) -> list[Finding]:
    """Patient identifiers found in a story, in text order; never a roster (staff) name."""
    staff = _staff_words(staff_names)
    candidates = []
    for kind, pattern, group, check in _COMPILED:
        for match in pattern.finditer(text):
            if match.end(group) > match.start(group) and (check is None or check(match)):
                candidates.append((match.start(group), match.end(group), kind))
    candidates += _names(text, staff)

    kept: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(set(candidates), key=lambda c: (_PRIORITY[c[2]], c[0] - c[1], c[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, kind))
    return [Finding(kind, start, end, text[start:end]) for start, end, kind in sorted(kept)]
