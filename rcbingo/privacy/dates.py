"""Dates tied to a person (birth, admission, discharge, death: any day or month, not a year alone) and ages over 89."""

from __future__ import annotations

import re
from datetime import date

from .kinds import Pattern
from .lexicon import FAMILY, PATIENT_WORDS

# "May" is a month only capitalised, or in lower case right before a day with its ordinal ("may 5th").
MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?"
         r"|(?-i:May|MAY|may(?=\s+(?:the\s+)?(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b))|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
         r"(?![a-z])\.?")
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
_YEAR = r"(?:(?:,?\s+|-)(?:\d{4}|'\d{2})(?!\d))?"
DATE_WORDS = rf"(?:(?<![\d.]){_DAY}[\s-]+(?:of\s+)?{MONTH}{_YEAR}|\b{MONTH}\s*(?:the\s+)?{_DAY}{_YEAR})"
# Any of / . - separates a date's parts, and so may _ ~ | ; ("3_4_1952", "3~4~1952", "3|4|1952").
_DATE_SEP = r"[/.\-_~|;]"
DATE_DIGITS = (rf"(?<![\d/.\-_~|;])(?:\d{{1,2}}{_DATE_SEP}\d{{1,2}}{_DATE_SEP}(?:\d{{4}}|\d{{2}})"
               rf"|\d{{4}}{_DATE_SEP}\d{{1,2}}{_DATE_SEP}\d{{1,2}})(?![\d/\-_~|;]|\.\d)")
# After a birth label, a date split by spaces or commas: "DOB 03 14 1952", "DOB 03,14,1952".
_SPLIT_DATE = r"(?<!\d)\d{1,2}([ ,])\d{1,2}\1(?:\d{4}|\d{2})(?!\d)"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
# Words after which a bare day/month ("12/3") is a date in a patient's stay: "admitted 2/3", "d/c'd home 2/19".
_STAY = (r"(?:on|since|until|till|dated|(?:(?:admit(?:ted)?|adm|discharged?|d/?c(?:['’]?d)?|sent|transferred"
         r"|extubated|intubated)(?:\s+(?:him|her|them|pt|the\s+pt|the\s+patient))?(?:\s+home)?)|went\s+home|died"
         r"|passed(?:\s+away)?|expired|born|surgery|procedure"
         r"|(?:admission|admit|discharge|d/?c|transfer|surgery|death)\s+date(?:\s+(?:was|is|of))?:?)")
AGE = (r"(?:(?<![\d.])(?:9\d|1[01]\d)(?!\d)|\b(?:ninety|(?:a|one)\s+hundred)(?:[\s-]+(?:and[\s-]+)?"
       r"(?:one|two|three|four|five|six|seven|eight|nine)\b)?)")  # 90 to 119, in digits or words
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
# "has 91 years" (Spanish "tiene 91 años"), but not "the unit has 100 years of history".
_NOT_A_PERSON = re.compile(r"\b(?:unit|team|we|it|hospital|program|floor|ward|church|company|clinic|building"
                           r"|department|they|you)\s+$", re.IGNORECASE)


def _numeric_date(match: re.Match) -> bool:
    parts = [int(part) for part in re.split(_DATE_SEP, match.group(0))]
    if parts[0] > 31:  # year first
        return 1 <= parts[1] <= 12 and 1 <= parts[2] <= 31
    a, b = parts[0], parts[1]
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)


def _short_date(match: re.Match) -> bool:
    a, b = int(match.group(2)), int(match.group(3))
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12 and (a, b) != (24, 7))  # not "24/7"


def _said_of_a_person(match: re.Match) -> bool:
    return not _NOT_A_PERSON.search(match.string, max(0, match.start() - 20), match.start())


def _born_long_ago(match: re.Match) -> bool:
    return date.today().year - int(match.group(1)) >= 90


# What a text must hold for a kind's patterns to be worth running (most stories mention no age over 89).
NEEDS = {
    "dob": r"\d",
    "date": r"\d",
    "age_over_89": r"(?<![\d.])(?:9\d|1[01]\d|1[89]\d\d)(?!\d)|ninet|hundred|centenar|nonagenar",
}

PATTERNS: list[Pattern] = [
    ("dob", rf"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?|birthday(?:\s+(?:is|was|on|of))?"
            rf"|fecha\s+de\s+nacimiento|naci[óo])"
            rf"\s*[:(-]?\s*(?:the\s+)?(?:{DATE_WORDS}|{DATE_DIGITS}|{_SPLIT_DATE})", 0, None),
    ("age_over_89", r"\bborn\s+(?:in\s+)?((?:18|19)\d{2})(?!\d)", 0, _born_long_ago),
    ("date", DATE_WORDS, 0, None),
    ("date", DATE_DIGITS, 0, _numeric_date),
    ("date", rf"\b{_STAY}\s+((\d{{1,2}})/(\d{{1,2}}))(?![\d/])(?!\s+of\b)", 1, _short_date),
    ("date", rf"\b{_WEEKDAY},?\s+(?:the\s+(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?|(?:3[01]|[12]\d|0?[1-9])"
             rf"(?:st|nd|rd|th))\b", 0, None),
    ("age_over_89", rf"{AGE}[\s-]*(?:years?|yrs?\.?)[\s-]*(?:old|of\s+age|young)\b", 0, None),
    ("age_over_89", rf"{AGE}[\s-]*(?:y/?o|y\.o\.?)(?![a-z])", 0, None),
    ("age_over_89", rf"{AGE}\s+a[ñn]os\b", 0, None),
    ("age_over_89", rf"\b(?:aged?|ages|edad)\s*(?:of\s+)?:?\s*{AGE}(?!\s*%)", 0, None),
    ("age_over_89", rf"\b(?:has|have|had|having|with|of)\s+{AGE}\s+(?:years|yrs)\b"
                    r"(?!\s+(?:of|in|on|at|as|working|experience|service|serving|together|married|between|combined"
                    r"|ago|since|now)\b)", 0, _said_of_a_person),
    ("age_over_89", r"(?<![\d.])(?:9\d|1[01]\d)(?:st|nd|rd|th)\s+(?:birthday|bday|b-day)\b"
                    r"|\b(?:ninetieth|ninety[\s-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
                    r"|(?:one\s+)?hundredth|hundred\s+and\s+\w+th)\s+birthday", 0, None),
    ("age_over_89", r"\bin\s+(?:his|her|their)\s+(?:early\s+|mid[\s-]?|late\s+)?(?:90s|90['’]s|nineties)"
                    r"|\b(?:super)?(?:centenarian|nonagenarian)s?\b", 0, None),
    # "she is 97", "who was 95", "the patient, who turned 101": a person said to be that old
    ("age_over_89", rf"\b(?:she|he|who|they|{PATIENT_WORDS}|resident|gentleman|lady|man|woman|veteran|{FAMILY})\s*"
                    rf"(?:is|was|were|['’]s|turned|turns"
                    rf"|is\s+turning|was\s+turning|(?:has|had|just|had\s+just|has\s+just)\s+turned"
                    rf"|will\s+(?:be|turn)|would\s+(?:be|turn|have\s+been|have\s+turned)|is\s+now)\s+"
                    rf"{_AGE_QUALIFIER}{AGE}{_NOT_A_COUNT}", 0, None),
    # "turning 101 on Friday", "turned 95", "will be 92 next week": the verb alone says it is an age
    ("age_over_89", rf"\b(?:turning|turned|turns|turn)\s+{_AGE_QUALIFIER}{AGE}{_NOT_A_COUNT}", 0, None),
    ("age_over_89", rf"\b(?:will\s+be|would\s+have\s+been|celebrat(?:e|es|ed|ing))\s+{_AGE_QUALIFIER}{AGE}"
                    rf"{_AGE_ENDS}", 0, None),
    ("age_over_89", r"\b(?:celebrat(?:e|es|ed|ing)|turn(?:s|ed|ing)?|mark(?:s|ed|ing)?)\s+(?:his|her|their)\s+"
                    r"(?:9\d|1[01]\d)(?:st|nd|rd|th)\b(?!\s+(?:day|week|month|admission|visit|time|shift|stay"
                    r"|transfusion|anniversary|birthday|bday|b-day)s?\b)", 0, None),
    # "At 97, she still ..."
    ("age_over_89", rf"(?-i:\b(?:At|at)\s+{AGE}(?=,\s+(?:she|he|(?!(?:The|This|That|Our|We|It|All|Each|Every|Only)\b)"
                    rf"[A-Z][a-z]+)\b))", 0, None),
    # an age set off after a name: "Mr. Thompson, 94, asked ..." or "Edna (93)"
    ("age_over_89", rf"(?-i:\b[A-Z][a-z]+(?:,\s+|\s+\()({AGE})(?=\s*[,.;)]))", 1, None),
]
