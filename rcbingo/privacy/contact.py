"""Ways to reach a person: phone and fax numbers, email, web addresses and social handles, IP addresses."""

from __future__ import annotations

import re

from .kinds import Pattern

_PHONE = (r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)"
          r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?")
_TLD = r"(?:com|org|net|edu|gov|mil|int|io|info|biz|health|app|us|uk|ca|mx|co(?:\.uk)?)"
_SPELLED_DOT = r"\s*(?:\(dot\)|\[dot\]|\{dot\}|\s(?-i:dot|DOT)\s)\s*"
_DOT = rf"(?:{_SPELLED_DOT}|\s*\.\s*)"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


def _long_enough(match: re.Match) -> bool:
    return len(re.sub(r"\D", "", match.group(0))) >= 8


def _ipv6(match: re.Match) -> bool:
    return "::" in match.group(0) or re.search(r"[a-f]", match.group(0), re.IGNORECASE) is not None


NEEDS = {"phone": r"\d", "fax": r"\d", "ip_address": r"\d|::"}

PATTERNS: list[Pattern] = [
    # each pattern starts only where a name-like run starts, so a long run is read once, not once per character
    ("email", r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", 0, None),
    # written out so a filter will not catch it: "jane [at] mail [dot] org", "bobbyr at gmail dot com"
    ("email", rf"(?<![\w.%+-])[\w.%+-]+\s*(?:\(at\)|\[at\]|\{{at\}})\s*[A-Za-z0-9-]+"
              rf"(?:{_DOT}[A-Za-z0-9-]+)*?{_DOT}{_TLD}\b", 0, None),
    ("email", rf"(?<![\w.%+-])[\w.%+-]+\s+(?-i:at|AT)\s+[A-Za-z0-9-]+"
              rf"(?:{_SPELLED_DOT}[A-Za-z0-9-]+)*?{_SPELLED_DOT}{_TLD}\b", 0, None),
    ("url", r"\b(?:https?://|www\.)[^\s<>\"'()]*[^\s<>\"'().,;:!?]", 0, None),
    ("url", rf"(?<![@\w.-])(?:[a-z0-9-]+\.)+{_TLD}(?:/[^\s<>\"'()]*[^\s<>\"'().,;:!?])?(?![\w@-])", 0, None),
    # a handle on a named social network: "her Instagram @prayforrosie", "on TikTok: @grandpajoe"
    ("url", r"\b(?:instagram|insta|ig|twitter|tiktok|facebook|fb|snapchat|snap|youtube|threads|x\.com|handle)\b"
            r"[^.\n@]{0,30}?(@[A-Za-z0-9_.]{3,30}[A-Za-z0-9_])", 1, None),
    ("ip_address", rf"(?<![\d.]){_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?![\d]|\.\d)", 0,
     lambda m: not re.search(r"\b(?:v|ver|version|release|build)\.?\s*$", m.string[max(0, m.start() - 10):m.start()],
                             re.IGNORECASE)),
    ("ip_address", r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}(?::|(?::[0-9a-f]{1,4}){1,6}|[0-9a-f]{1,4})(?![\w:])", 0,
     lambda m: m.group(0).count(":") >= 3 and _ipv6(m)),
    ("fax", rf"\bfax(?:ed|ing)?\b(?:\s*(?:number|no\.?|#|line))?[^\d\n]{{0,40}}?"
            rf"({_PHONE}|(?<!\d)\d{{3}}[-.]\d{{4}}(?!\d))", 1, None),
    ("phone", rf"(?<![\w+]){_PHONE}", 0, None),
    ("phone", r"(?<![\w+])\+[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)", 0, _long_enough),
    # a seven-digit local number only when something says it is a number to call
    ("phone", r"\b(?:call(?:ed|ing)?|phone|cell|mobile|tel|text(?:ed)?|dial(?:ed)?|reach(?:ed)?|number|at)\s*"
              r"(?:is\s+|was\s+|on\s+)?:?\s*#?\s*(\d{3}[-.]\d{4})(?![\d-])", 1, None),
]
