"""Screening of stories and practice lines for patient identifiers before they are published.

Plain pattern matching, no outside services: each detector proposes spans, overlaps are settled in favour of the more
specific kind, and names from the unit roster are not reported: a roster person's full name (or first name + surname),
or a lone staff first name or surname. A capitalised run that mixes a staff word with others ("Ellen Park" when only
Olivia Park is staff) is somebody else, and an explicit relative or patient word right before a name ("her husband Tom",
"our patient Chen") outweighs the roster unless the words after it are a roster person's full name. Recall matters
more than precision here (a missed identifier reaches a wall screen; a false alarm costs a coordinator a glance), so
the name rules lean towards flagging.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import combinations

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
# Words for a patient's relative.
_FAMILY = (r"(?:wife|husband|spouse|partner|son|daughter|child|kid|mother|father|mom|mum|mama|dad|papa|parent|sister"
           r"|brother|sibling|twin|grandson|granddaughter|grandchild|grandkid|grandmother|grandfather|grandma|grandpa"
           r"|granny|nana|aunt|auntie|uncle|niece|nephew|cousin|fianc[ée]e?|boyfriend|girlfriend|stepson"
           r"|stepdaughter|stepmother|stepfather|stepmom|stepdad|guardian|widow|widower|(?:grand|step)?children"
           r"|(?:son|daughter|mother|father|brother|sister)[\s-]in[\s-]law)s?")
_AGE_QUALIFIER = r"(?:(?:nearly|almost|over|about|now|just|a\s+whopping|an\s+incredible)\s+)?"
# What may not follow a number for it to be an age: a unit or a count ("95 minutes", "100 years of service").
_NOT_A_COUNT = (r"(?![\d.,:/-]\d|\s*(?:%|percent|per\b|minutes?\b|mins?\b|hours?\b|hrs?\b|days?\b|weeks?\b"
                r"|wks?\b|months?\b|seconds?\b|secs?\b|times?\b|x\b|points?\b|pts?\b|pounds?\b|lbs?\b|kgs?\b"
                r"|kilos?\b|grams?\b|mg\b|mcg\b|ml\b|cc\b|lit(?:er|re)s?\b|miles?\b|km\b|met(?:er|re)s?\b|feet\b"
                r"|ft\b|inch(?:es)?\b|cm\b|mm\b|degrees?\b|°|beds?\b|patients?\b|people\b|persons?\b|staff\b"
                r"|nurses?\b|charts?\b|calls?\b|steps\b|laps\b|mmhg\b|bpm\b|units?\b|dollars?\b|shifts?\b"
                r"|cases?\b|admissions?\b|consults?\b|discharges?\b|members?\b|percentile\b|th\b|st\b|nd\b|rd\b"
                r"|years?\b(?!\s*(?:old|young|of\s+age)\b)))")
# ... and what must follow it when the verb alone is weak evidence ("will be 92 next week", "celebrating 100!").
_AGE_ENDS = (r"(?=\s*(?:[.,;:!?)\]\"”'’—–]|$|-\s|and\b|but\b|when\b|years?\s+(?:old|young|of\s+age)\b|today\b"
             r"|tonight\b|yesterday\b|tomorrow\b|this\b|last\b|next\b|soon\b|on\b|in\b|at\b|with\b|while\b"
             r"|during\b|here\b|surrounded\b))")
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
    ("age_over_89", r"(?<![\d.])(?:9\d|1[01]\d)(?:st|nd|rd|th)\s+(?:birthday|bday|b-day)\b"
                    r"|\b(?:ninetieth|ninety[\s-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
                    r"|(?:one\s+)?hundredth|hundred\s+and\s+\w+th)\s+birthday", 0, None),
    ("age_over_89", r"\bin\s+(?:his|her|their)\s+(?:early\s+|mid[\s-]?|late\s+)?(?:90s|90['’]s|nineties)"
                    r"|\b(?:super)?(?:centenarian|nonagenarian)s?\b", 0, None),
    # "she is 97", "who was 95", "the patient, who turned 101": a person said to be that old
    ("age_over_89", rf"\b(?:she|he|who|they|patient|pt|resident|gentleman|lady|man|woman|veteran|{_FAMILY})\s*"
                    rf"(?:is|was|were|['’]s|turned|turns"
                    rf"|is\s+turning|was\s+turning|(?:has|had|just|had\s+just|has\s+just)\s+turned"
                    rf"|will\s+(?:be|turn)|would\s+(?:be|turn|have\s+been|have\s+turned)|is\s+now)\s+"
                    rf"{_AGE_QUALIFIER}{_AGE}{_NOT_A_COUNT}", 0, None),
    # "turning 101 on Friday", "turned 95", "will be 92 next week": the verb alone says it is an age
    ("age_over_89", rf"\b(?:turning|turned|turns|turn)\s+{_AGE_QUALIFIER}{_AGE}{_NOT_A_COUNT}", 0, None),
    ("age_over_89", rf"\b(?:will\s+be|would\s+have\s+been|celebrat(?:e|es|ed|ing))\s+{_AGE_QUALIFIER}{_AGE}"
                    rf"{_AGE_ENDS}", 0, None),
    ("age_over_89", r"\b(?:celebrat(?:e|es|ed|ing)|turn(?:s|ed|ing)?|mark(?:s|ed|ing)?)\s+(?:his|her|their)\s+"
                    r"(?:9\d|1[01]\d)(?:st|nd|rd|th)\b(?!\s+(?:day|week|month|admission|visit|time|shift|stay"
                    r"|transfusion|anniversary|birthday|bday|b-day)s?\b)", 0, None),
    # "At 97, she still ..."
    ("age_over_89", rf"(?-i:\b(?:At|at)\s+{_AGE}(?=,\s+(?:she|he|(?!(?:The|This|That|Our|We|It|All|Each|Every|Only)\b)"
                    rf"[A-Z][a-z]+)\b))", 0, None),
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
    advocate advocates liaison liaisons navigator navigators relations representative placement flow access
    sitter sitters satisfaction portal education engagement council
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
    laboratory manor village scale syndrome disease affairs children guide guidelines meeting meetings toolkit checklist
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


_TITLES = _words("dr doctor mr mrs ms miss mx prof rn md np pa")


@dataclass(frozen=True)
class _Roster:
    words: frozenset[str]  # every word of every staff name, and each part of a hyphenated one, casefolded
    firsts: frozenset[str]  # first names
    # the words of each person's name that can stand for them together, in order: full name, first name + surname,
    # "Mary Ann" of Mary Ann Smith; titles, initials and particles left out
    people: frozenset[tuple[str, ...]]


def _roster(staff_names: Iterable[str]) -> _Roster:
    words, firsts, people = set(), set(), set()
    for name in staff_names:
        parts = [word.casefold() for word in _WORD.findall(name) if word.casefold() not in _TITLES]
        for word in parts:
            words.add(word)
            words.update(part for part in re.split(r"['’-]", word) if len(part) > 1)
        named = [word for word in parts if len(word) > 1 and word not in _PARTICLES]
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
    return len(token.word) == 1 or token.word in _PARTICLES


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
                _capitalised(tokens[j + 1]) or tokens[j + 1].word in _PARTICLES):
            j += 1
        run, i = tokens[i:j + 1], j + 1
        if (len(run) < 2 or any(t.word.lower() in _ORG for t in run)
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
                for piece in _people_in(segment, roster):
                    while piece and piece[-1].word in _PARTICLES:
                        piece.pop()
                    if len([t for t in piece if not _initial_or_particle(t)]) >= 2:
                        found.append((piece[0].start, piece[-1].end, "patient_name"))
                segment = []
                if token is not None and token.word.lower() in _STAFF_CUE_WORDS:
                    break  # "Nurse Sam Lee": what follows a role word is a colleague
            else:
                segment.append(token)
    return found


# An explicit relative or patient right before a name is strong enough evidence to flag it even when it is also a
# staff first name or surname ("her husband Tom", "our patient Chen"); only a full roster name is then a colleague.
_STRONG_FAMILY = re.compile(
    rf"\b(?:his|her|their|whose|\w+['’]s)\s+(?:(?!(?:nurse|doctor|dr|chaplain)\b)\w+\s+)?(?P<cue>{_FAMILY})"
    r"(?:\s+of\s+\w+\s+years)?\s*,?\s*\(?(?:(?:named|called)\s+)?$", re.IGNORECASE)
_STRONG_PATIENT = re.compile(
    r"(?<![\w-])(?P<cue>patient|(?-i:pt|Pt)\.?|resident)(?:\s+(?:named|called|known\s+as))?(?P<comma>\s*,)?\s*\(?$",
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
_COURTESY_WORD = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Mister)\.?\s+")
_LIST_GAP = re.compile(r"\s*,\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+")
_RELIGIOUS_TITLES = _words("father mother sister brother")


def _strong_cue(text: str, start: int) -> tuple[str, bool] | None:
    """The kind that an explicit relative or patient word right before `start` gives, and whether it is plural."""
    window = max(0, start - 80)
    family = _STRONG_FAMILY.search(text, window, start)
    if family:
        cue = family.group("cue")
        if cue[0].isupper() and cue.lower() in _RELIGIOUS_TITLES:
            return None  # "Sister Mary" is a nun, "Father Tom" a priest
        if cue.lower().startswith("partner") and not re.match(r"(?i:his|her|their|whose)\b", family.group(0)):
            return None  # "Tom's partner Maya" is as likely his partner on shift as his spouse
        return "family_name", cue.lower().endswith(("s", "children"))
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
    return "patient_name", False


def _run_end(text: str, tokens: list[_Token], i: int) -> int:
    """Index of the last token of the capitalised run (at most four words) that starts at tokens[i]."""
    j = i
    while j - i < 3 and j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]):
        nxt = tokens[j + 1]
        if _capitalised(nxt) and nxt.word.lower() not in _STOP:
            j += 1
        elif (nxt.word in _PARTICLES and j + 2 < len(tokens) and _joined(text, nxt, tokens[j + 2])
              and _capitalised(tokens[j + 2]) and tokens[j + 2].word.lower() not in _STOP):
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
        kind, plural, first = cue[0], cue[1], i
        for _ in range(4):  # "her sons Tom and Ari"
            courtesy = _COURTESY_WORD.match(text, tokens[i].start)
            if courtesy and i + 1 < len(tokens) and tokens[i + 1].start == courtesy.end():
                i += 1  # "the patient, Mr. Bell": the cue outweighs the title rule
            if not _capitalised(tokens[i]) or len(tokens[i].word) < 2 or (
                    tokens[i].word.lower() in _STOP and tokens[i].word.lower() not in _MONTH_NAMES):
                break  # "her husband Dr. Park" is a doctor
            j = _run_end(text, tokens, i)
            run = tokens[i:j + 1]
            words = tuple(t.word.casefold() for t in run if not _initial_or_particle(t))
            if (words not in roster.people and not _STAFF_AFTER.match(text, tokens[j].end)
                    and not any(t.word.lower() in _ORG for t in run)):
                found.append((run[0].start, run[-1].end, kind))
            i = j + 1
            gap = _LIST_GAP.match(text, tokens[j].end)
            if gap and i < len(tokens) and tokens[i].start < gap.end():
                i += 1  # the "and" of "Tom and Ari"
            if not plural or i >= len(tokens) or not gap or gap.end() != tokens[i].start:
                break
        i = max(i, first + 1)
    return found


_NOT_HOUSEHOLDS = _words("""nursing night day weekend evening shift unit floor work host foster military royal holiday
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
_LINE_VERBS = _words("""update call meet met support include keep kept involve engage welcome invite join bring
    brought tell told help text page reach guide teach taught show give gave let ask thank reassure prepare comfort
    connect notify notified inform contact gather greet host phone email facetime pray sit sat listen explain empower
    educate train coach calm console remind encourage escort walk drive drove feed fed find found brief debrief visit
    hug hugged see saw hear heard put get got treat honor honour respect serve protect""")
_PLURAL_SURNAME = re.compile(
    rf"(?-i:\b[Tt]he\s+(?:(?:whole|entire|lovely|wonderful|amazing|sweet|kind)\s+)?({_SURNAME}(?<![su]s)(?<!is)s))"
    r"(?!['’]?[\w-])(?!\s+[A-Z])")
_OUR = re.compile(r"\b(?:our|my|your|whole|entire)\s+$", re.IGNORECASE)


def _ordinary(word: str, roster: _Roster) -> bool:
    """Whether a capitalised word before "family" or after "the" is a unit, team or place word, not a surname."""
    parts = [word.casefold(), *re.split(r"['’-]", word.casefold())]
    return any(part in _STOP or part in _ORG or part in _NOT_HOUSEHOLDS or part in roster.words
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
        heading = _title_case(text, tokens, start, roster.words)
        if heading or any(_ordinary(w, roster) for w in (word, *singular)):
            continue
        found.append((start, match.end(1), "patient_name"))
        stems.update(singular)
    return found, stems


def _names(text: str, roster: _Roster) -> list[tuple[int, int, str]]:
    staff = roster.words
    tokens = _tokens(text)
    households, stems = _households(text, tokens, roster)
    found = (_cued_names(text, tokens, staff) + _full_names(text, tokens, roster)
             + _strongly_cued_names(text, tokens, roster) + households)
    # Once a word is known to name a patient or relative, its other mentions are that person too.
    known = dict.fromkeys(stems, "patient_name")
    for start, end, kind in found:
        for token in tokens:
            if start <= token.start and token.end <= end and len(token.word) > 1:
                known.setdefault(token.word, kind)
    for token in tokens:
        if token.word in known and _namelike(token, staff) and not _staff_context(text, token.start):
            found.append((token.start, token.end, known[token.word]))
    return found


# ------------------------------------------------------------------------------------------------------------ screen


def screen(text: str, staff_names: Iterable[str] = ()) -> list[Finding]:
    """Patient identifiers found in a story, in text order; never a roster (staff) name."""
    roster = _roster(staff_names)
    candidates = []
    for kind, pattern, group, check in _COMPILED:
        for match in pattern.finditer(text):
            if match.end(group) > match.start(group) and (check is None or check(match)):
                candidates.append((match.start(group), match.end(group), kind))
    candidates += _names(text, roster)

    kept: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(set(candidates), key=lambda c: (_PRIORITY[c[2]], c[0] - c[1], c[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, kind))
    return [Finding(kind, start, end, text[start:end]) for start, end, kind in sorted(kept)]
