"""Numbers and codes that identify a person: social security, medical record, health plan, account, license,
vehicle and device numbers, and any other labelled identifying code.

Most of these need a label before them ("member ID", "acct", "serial", "plate"): a bare code is too like a version,
a dose or a count. A bare run of seven or more digits is still taken for a record number.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .kinds import Pattern

# A code: letters and digits, dashes inside, at least one digit. Checks ask for more digits where it matters.
_CODE = r"(?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){3,24}(?![\w-])"
# What may stand between a label and its code: "number", "no.", "#", "ID", ":", "is".
_NUMBER_WORD = r"\s*(?:numbers?|num|nbr|no\.?|#|ids?|identifier|I\.?D\.?)(?:\s*(?:number|no\.?|#))?"
_BRIDGE = r"\s*[:#-]?\s*(?:(?:is|was|of|reads?|ending\s+in)\s*[:#]?\s*)?"


def _digits(count: int) -> Callable[[re.Match], bool]:
    """A check that the code (the last group) holds at least `count` digits."""
    def check(match: re.Match) -> bool:
        return sum(c.isdigit() for c in match.group(match.lastindex or 0)) >= count
    return check


def _labelled(cue: str, *, need_number_word: bool = False) -> str:
    number_word = _NUMBER_WORD if need_number_word else f"(?:{_NUMBER_WORD})?"
    return rf"\b(?:{cue}){number_word}{_BRIDGE}({_CODE})"


# Labels that belong to another kind: a generic "ID" after them is that kind's, not "other".
_OTHER_KIND_BEFORE = re.compile(
    r"\b(?:patient|pt|medical\s+record|chart|member|subscriber|beneficiary|medicare|medicaid|insurance|policy"
    r"|plan|account|acct|device|serial|fingerprint|vehicle|license|licence|employee|badge|staff|pacemaker"
    r"|defibrillator|a?icd|implant|l?vad|pump|hearing\s+aid|cgm|stimulator|wheelchair|cpap|bipap|concentrator)\s*$",
    re.IGNORECASE)


# After a label, a number split once or more by a space, dot, comma or slash is one number: "MRN 445 5667",
# "MRN 445.5667", "445,5667", "445/5667" (and dashes as ever: "MRN 12-34-567").
_SPLIT_NUMBER = r"\d(?:[\d-]|[ .,/](?=\d)){2,}\d(?![\w-])"


def _split_number(match: re.Match, digits: int = 4) -> bool:
    """A labelled number holds `digits` digits or more; six or more when split ("MRN 12 3" is not one)."""
    code = re.search(_SPLIT_NUMBER + "$", match.group(0))
    count = sum(c.isdigit() for c in match.group(0)[code.start():]) if code else 0
    split = code is not None and any(c in " .,/" for c in code.group())
    return count >= (max(digits, 6) if split else digits)


def _generic_id(match: re.Match) -> bool:
    before = match.string[max(0, match.start() - 30):match.start()]
    code = match.group(1)
    return (not _OTHER_KIND_BEFORE.search(before) and any(c.isalpha() for c in code)
            and sum(c.isdigit() for c in code) >= 3)


def _vin(match: re.Match) -> bool:
    code = match.group(0)
    return sum(c.isdigit() for c in code) >= 5 and sum(c.isalpha() for c in code) >= 2


# Every one of these kinds has digits in it.
NEEDS = dict.fromkeys(("ssn", "health_plan", "account", "license", "vehicle", "device", "other_id", "mrn"), r"\d")

PATTERNS: list[Pattern] = [
    ("ssn", r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", 0, None),
    ("ssn", r"(?<![\d-])\d{3} \d{2} \d{4}(?![\d-])", 0, None),
    ("ssn", r"(?<![\w*-])(?:xxx|XXX|\*\*\*)-?(?:xx|XX|\*\*)-?\d{4}(?![\d-])", 0, None),  # masked but for the last four
    ("ssn", r"\b(?:SSN|SS\s*#|soc(?:ial)?\s*sec(?:urity)?(?:\s+(?:number|no\.?|#|card))?|social|seguro\s+social)"
            r"\s*[:#]?\s*(?:is\s+|was\s+|of\s+)?(?:\d{3}[\s./,-]?\d{2}[\s./,-]?\d{4}|\d{3}([\s./,-])\d{3}\1\d{3})(?!\d)",
     0, None),  # "SSN 123 456 789": nine digits grouped three by three
    # the last four digits of one: "last 4 of her SSN 4821", "SSN ... (last four 4821)"
    ("ssn", r"\b(?:SSN|social(?:\s+security)?)\b[^.\n\d]{0,40}?\blast\s+(?:four|4)(?:\s+digits)?\s*[:#]?\s*"
            r"(?:(?:is|are|were|was)\s+)?\d{4}(?!\d)"
            r"|\blast\s+(?:four|4)(?:\s+digits)?\s+of\s+(?:(?:his|her|their|the|pt['’]?s?|patient['’]s)\s+)?"
            r"(?:SSN|social(?:\s+security)?(?:\s+number)?)\s*[:#]?\s*(?:(?:is|are|were|was)\s+)?\d{4}(?!\d)", 0, None),
    # health plan beneficiary numbers
    ("health_plan", _labelled(r"medicare|medicaid|mbi|hicn|tricare|champva|bcbs|medi-cal"), 0, _digits(2)),
    ("health_plan", _labelled(r"(?:health\s+|insurance\s+|dental\s+)?plan|insurance|insurer|member|subscriber"
                              r"|beneficiary|policy(?:holder)?|group|blue\s*cross|blue\s*shield|aetna|cigna|humana"
                              r"|united\s*health(?:care)?|anthem|kaiser|seguro", need_number_word=True), 0, _digits(3)),
    # account numbers: billing, hospital account, bank and card numbers
    ("account", _labelled(r"account|acct|a/c|(?-i:HAR|FIN)"), 0, _digits(4)),
    ("account", _labelled(r"billing|bill|invoice|statement|financial|bank|routing|credit\s+card|debit\s+card"
                          r"|card|guarantor", need_number_word=True), 0, _digits(4)),
    ("account", r"\bcard\s+ending\s+(?:in\s+)?\d{4}\b", 0, None),
    ("account", r"(?<![\d-])\d{4}([\s-])\d{4}\1\d{4}\1\d{1,4}(?![\d-])", 0, None),
    # certificate and license numbers
    ("license", _labelled(r"driver['’]?s?\s+licen[cs]e|(?-i:DL)|licen[cs]e(?!\s+plate)|lic|passport|permit"
                          r"|(?:birth|death|marriage)\s+certificate|certificate|cert|state\s+id|id\s+card"
                          r"|green\s+card|visa|licencia"), 0, _digits(3)),
    # vehicle identifiers: plates and VINs
    ("vehicle", r"\b(?:licen[cs]e\s+plates?|plates?|placas?|tags?\s+(?:number|no\.?|#)"
                r"|registration\s+(?:number|no\.?|#)|VIN|vehicle\s+id(?:entification)?(?:\s+number)?)"
                r"\s*(?:number|no\.?|#)?\s*[:#]?\s*(?:(?:is|was|reads?|of)\s+)?"
                r"((?-i:[A-Z]{2}\s+)?(?=[A-Z0-9 -]*\d)[A-Z0-9]{1,4}[\s-]?[A-Z0-9]{2,14})(?![\w-])", 0,
     lambda m: sum(c.isalnum() for c in m.group(1)) >= 4),
    ("vehicle", r"(?-i:\b[A-HJ-NPR-Z0-9]{17}\b)", 0, _vin),
    # device identifiers and serial numbers
    ("device", _labelled(r"serial|s/n|(?-i:SN|S/N)|device|udi|imei|meid|model\s*/\s*serial"), 0, _digits(3)),
    ("device", _labelled(r"pacemaker|defibrillator|a?icd|implant|l?vad|(?:insulin\s+)?pump|hearing\s+aid|cgm"
                         r"|stimulator|wheelchair|cpap|bipap|concentrator", need_number_word=True), 0, _digits(3)),
    ("device", r"(?<![\w:-])[0-9A-F]{2}(?:([:-])[0-9A-F]{2})(?:\1[0-9A-F]{2}){4}(?![\w:-])", 0, None),  # a MAC address
    # other labelled codes: specimens, orders, claims, wristbands ...
    ("other_id", _labelled(r"accession|specimen|sample|requisition|req|order|claim|case|reference|ref|confirmation"
                           r"|ticket|tracking|wristband|arm\s*band|barcode|bar\s+code|bracelet|label|referral"
                           r"|authori[sz]ation|auth|prior\s+auth"), 0, _digits(5)),
    ("other_id", rf"\b(?-i:ID|Id|id|I\.D\.)\s*(?:number|no\.?|#)?\s*[:#]?\s*(?:is\s+|was\s+)?({_CODE})", 0,
     _generic_id),
    # medical record numbers
    ("mrn", r"\b(?:MRN|MR\s*#|MR\s+(?:number|no\.?)|med(?:ical)?\s*rec(?:ord)?(?:\s+(?:number|no\.?|#))?"
            r"|hospital\s+(?:number|no\.?|#)|(?-i:CSN)|(?:chart|record|encounter|visit|patient|pt)\s*(?:number|no\.?|#|id))"
            rf"\s*[:#]?\s*(?:is\s+|was\s+)?[A-Z]{{0,3}}-?{_SPLIT_NUMBER}", 0, _split_number),
    ("mrn", rf"\bID\s*[:#]?\s*{_SPLIT_NUMBER}", 0, lambda m: _split_number(m, 5)),
    ("mrn", r"(?<![\w.,/+-])\d{7,}(?![\w/-]|[.,]\d)", 0, None),  # long bare digit runs: record numbers
]
