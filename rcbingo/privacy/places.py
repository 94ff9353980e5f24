"""Where a patient is or lives: room and bed numbers, street addresses and ZIP codes, towns and counties; and the
hospital's own places and programs, which are never a patient's ("North Tower", "Conference Room 2", "Code Blue")."""

from __future__ import annotations

import re

from .kinds import Pattern
from .lexicon import NUMBER_WORDS, ORG, STOP, words
from .skeleton import looks_like

_PLACE_NO = r"[A-Z]?\d{1,4}[A-Z]?\b"
_TIME_UNITS = r"(?!\s*(?:%|percent|min|minutes?|hours?|hrs?|days?|weeks?|months?|years?|times?|x\b))"
# a number in words, but not "went to bed one night", "bed one more day"
_ROOM_NO = (rf"(?:{_PLACE_NO}|(?<!\bto\sbed\s)(?<!\bof\sbed\s)(?<!\bfrom\sbed\s){NUMBER_WORDS}\b"
            r"(?!\s+(?:of|or|more|whole|last|night|nights|morning|evening|afternoon|time|at\s+a\s+time|another)\b))")
_STREET = (r"(?i:(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Way|Terrace|Circle|Highway|Parkway|Trail"
           r"|Square|Loop|Crescent)\b|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Cir|Hwy|Pkwy|Trl|Sq|Cres)\b\.?)")
# Street words that cannot be anything else after a house number, for addresses written in lower case.
_STREET_LOWER = r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|highway|hwy|parkway|pkwy)\b\.?"
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH"
           "|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY")
_STATE_CODES = frozenset(_STATES.lower().split("|"))
_AMBIGUOUS_STATES = words("in me or oh hi ok de al la id ms ma pa co ga va wa ne nd sc ar md ct dc mi mo")
# Rooms that are the staff's, not a patient's: "Conference Room 2", "the break room", "Med Room 3".
_STAFF_ROOMS = re.compile(
    r"\b(?:conference|conf|break|med|meds|medication|supply|supplies|utility|clean|dirty|soiled|family|waiting|locker"
    r"|equipment|training|class|classroom|meeting|staff|huddle|quiet|consult|call|storage|linen|education|sim"
    r"|simulation|team|board|work|report|nourishment|pantry|mother['’]?s|lactation|war|control|server)\s*$",
    re.IGNORECASE)
_LIVES = (r"(?:(?:lives?|lived|living|resides?|resided|residing|grew\s+up|raised|born|home|farm|ranch|house|trailer"
          r"|cabin)\s+(?:out\s+|up\s+|down\s+|over\s+|back\s+)?(?:in|on|near|outside(?:\s+of)?|by|around)"
          r"|home\s*town(?:\s+(?:is|was))?|native\s+of|(?:town|city|village)\s+of)")
# A capitalised place name of one to three words, "and" allowed inside ("Lewis and Clark County").
_PLACE_NAME = r"(?-i:[A-Z][a-z]+(?:[\s-](?:and\s+)?[A-Z][a-z]+){0,2})"
# States and countries are larger than HIPAA's geographic subdivisions: not identifiers.
_LARGE_PLACES = words("""alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii
    idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
    missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio oklahoma oregon pennsylvania
    rhode tennessee texas utah vermont virginia washington wisconsin wyoming america usa canada philippines india
    nigeria ghana vietnam china korea japan germany poland ireland italy guatemala honduras salvador cuba puerto rico
    somalia ethiopia kenya ukraine russia france spain england scotland wales peru colombia brazil venezuela ecuador
    chile argentina haiti jamaica dominican republic nicaragua bolivia laos cambodia thailand burma myanmar nepal
    pakistan afghanistan iran iraq syria lebanon egypt morocco sudan eritrea congo liberia sierra leone samoa tonga
    fiji guam europe africa asia the states country reservation rez""")
_NOT_STREET_WORDS = (STOP - words("n s e w north south east west main")) | words("""min mins minute minutes hr hrs
    hour hours days weeks months times laps steps units patients pts beds meds doses bags calls pages""")


def _patient_room(match: re.Match) -> bool:
    return not _STAFF_ROOMS.search(match.string, max(0, match.start() - 20), match.start())


def _large_place(name: str) -> bool:
    return all(word.lower() in _LARGE_PLACES or word.lower() in STOP or word.lower() == "and"
               for word in re.split(r"[\s-]+", name))


def _small_place(match: re.Match) -> bool:
    name = match.group(1)
    return not _large_place(name) and not any(word.lower() in ORG for word in re.split(r"[\s-]+", name))


def _house_number_street(match: re.Match) -> bool:
    """A lower-case '12 oak st': the words between the number and the street word are a name, not a sentence."""
    between = [w.rstrip(".").lower() for w in match.group(1).split()]
    return not any(w in _NOT_STREET_WORDS for w in between)


def _state_zip(match: re.Match) -> bool:
    code = match.group(2)[:2]
    return code in _STATE_CODES and (code not in _AMBIGUOUS_STATES or match.group(1) is not None)


def _county(match: re.Match) -> bool:
    return not all(word.lower() in STOP or word == "and" for word in match.group(2).split())


def _as_read(*spellings: str) -> str:
    """Words as the screen reads them, in any case (their skeleton: "phòng" is "phong", Cyrillic "палата" is
    "пaлata", "Палата" is "Пaлata"), as alternatives of a pattern."""
    forms = {looks_like(form).lower() for word in spellings for form in (word, word.capitalize(), word.upper())}
    return "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))  # (patterns ignore case)


# A room and a bed in the languages staff are likely to write a word of (privacy/language.py's LIKELY, and Russian):
# "our patient in chambre 12" is an English story the language check lets through. French "lit" is an English word
# too: not after a subject ("we lit 4 candles").
_ROOM_WORDS = (_as_read("cuarto", "habitación", "hab", "sala", "chambre", "zimmer", "quarto", "stanza", "phòng",
                        "kwarto", "kuwarto", "silid", "chanm", "chamb", "палата", "палате", "палату", "палаты",
                        "палатой", "комната", "комнате", "комнату", "комнаты")
               + "|" + "".join(rf"(?<!\b{kind}\s)" for kind in words("security video web body dash trail phone"))
               + "camera")  # Italian, and an English word: not "the security camera 2"
_NOT_BEFORE_LIT = "".join(rf"(?<!\b{subject}\s)" for subject in
                          words("i we he she they you who and then just had have has was were"))
_BED_WORDS = (_as_read("cama", "camilla", "bett", "leito", "letto", "giường", "kama", "kabann", "койка", "койке",
                       "койку", "койки", "кровать", "кровати") + f"|{_NOT_BEFORE_LIT}lit")
# A number in words after a room or bed word of another language ("chambre douze", "habitación doce", "quarto
# catorze", "camera dodici", "chanm douz"): Spanish, French, Portuguese, Italian, Haitian Creole, German, Tagalog and
# Vietnamese, as the screen reads them (no accents). Words that are English too are left out ("set", "once", "bay"),
# and so are "de", "en", "un", "una": "la chambre de Marie".
_FOREIGN_UNITS = words("""uno dos tres cuatro cinco seis siete ocho nueve deux trois quatre cinq six sept huit neuf
    dois duas quatro sete oito nove due tre quattro cinque sei sette otto youn twa kat senk uit nef eins zwei drei vier
    funf fünf sechs sieben acht neun isa dalawa tatlo apat lima anim pito walo siyam mot hai ba bon nam sau tam chin""")
_FOREIGN_TEENS = words("""diez doce trece catorce quince dieciseis diecisiete dieciocho diecinueve dix onze douze
    treize quatorze catorze quinze seize dez doze treze dezesseis dezasseis dezessete dezassete dezoito dezenove
    dezanove dieci undici dodici tredici quattordici quindici sedici diciassette diciotto diciannove onz douz trez
    katoz kenz sez dizset dizwit diznef zehn elf zwolf zwölf dreizehn vierzehn funfzehn fünfzehn sechzehn siebzehn
    achtzehn neunzehn sampu""")
_FOREIGN_TENS = words("""veinte veinti treinta cuarenta cincuenta sesenta setenta ochenta noventa vingt trente
    quarante cinquante soixante vinte trinta quarenta cinquenta sessenta oitenta venti vent trenta quaranta cinquanta
    sessanta settanta ottanta novanta venn trant karant senkant swasant zwanzig dreissig muoi""")
_UNIT_WORDS = _as_read(*_FOREIGN_UNITS)
# ... but right after a Spanish room or bed word, "once" is eleven ("cama once", "sala once").
_SPANISH_PLACES = _as_read("cuarto", "habitación", "hab", "sala", "cama", "camilla")
_FOREIGN_NO = (rf"(?:(?:{_as_read(*_FOREIGN_TENS)})(?:(?:[\s-]+(?:y|e|et)[\s-]+|[\s-]*)(?:{_UNIT_WORDS}))?"
               rf"|{_as_read(*_FOREIGN_TEENS)}|{_UNIT_WORDS})\b(?![\s-]+(?:to|for|of|by)\b)")
# What may stand between a room or bed word and its number: "#", ":", "/", a dash, "number", "no.", "Nr.", "numéro".
_CUE_GAP = r"[\s#:;./-]*(?:(?:number|numero|n[uú]mero|nr|no)\.?\s*)?#?\s*"
_CJK_DIGITS = looks_like("零〇一二两三四五六七八九十百")
_CJK_NO = rf"(?:\d{{1,4}}|[{_CJK_DIGITS}]{{1,4}})"
_CJK_NUMBER_MARK = _as_read("号", "號", "번", "第")
# Before the word, a number in Chinese numerals needs its mark: "同一病房" is "the same ward", "一床被子" a quilt.
_CJK_NO_BEFORE = rf"(?:\d{{1,4}}\s*(?:{_CJK_NUMBER_MARK})?|[{_CJK_DIGITS}]{{1,4}}\s*(?:{_CJK_NUMBER_MARK}))"
_CJK_ROOMS = _as_read("房间", "房間", "病房", "号房", "房", "号室", "病室", "部屋", "室", "호실", "병실", "호")
_CJK_BEDS = _as_read("床位", "床", "ベッド", "침대", "병상", "침상")

NEEDS: dict[str, str] = {}  # a room in words, a street without a number: no kind here needs a digit

PATTERNS: list[Pattern] = [
    ("address", rf"(?-i:\b\d{{1,6}}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\.?\s+){{1,3}}"
                rf"{_STREET}(?:,?\s*(?i:Apt|Apartment|Unit|Suite|Ste|#)\.?\s*#?\s*\w+)?)", 0, None),
    ("address", rf"\b\d{{1,6}}[a-z]?\s+((?:(?:[nsew]|ne|nw|se|sw)\.?\s+)?(?:(?:[a-z]+|\d+(?:st|nd|rd|th))\s+){{1,3}})"
                rf"{_STREET_LOWER}(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*\w+)?", 0,
     _house_number_street),
    ("address", r"(?:lives?|lived|living|home|house|farm|ranch|grew\s+up)\s+(?:on|at|in|off)\s+"
                r"((?-i:(?:[A-Z][a-z]+\s+){1,3}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Highway|Trail)))\b",
     1, None),
    ("address", r"\bP\.?\s*O\.?\s*Box\s*#?\s*\d+", 0, None),
    ("address", rf"(?-i:(?:\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}},\s*)?\b(?:{_STATES})\.?\s+\d{{5}}(?:-\d{{4}})?\b)",
     0, None),
    # lower case: "great falls mt 59405", "boise, id 83702" (a state code that is also a word needs its comma)
    ("address", r"(?:(,)\s*|\b)((?-i:[a-z]{2})\.?\s+\d{5}(?:-\d{4})?)\b", 2, _state_zip),
    ("address", r"\bzip(?:\s*code)?\s*:?\s*\d{5}(?:-\d{4})?\b", 0, None),
    ("address", r"(?<![\d-])\d{5}-\d{4}(?![\d-])", 0, None),  # ZIP+4
    ("location", rf"\b{_LIVES}\s+(?:the\s+)?({_PLACE_NAME})\b", 1, _small_place),
    # "she's from Harlowton", "originally from Two Dot", "from Roundup originally": a person's home town
    ("location", rf"\b(?:(?:she|he|they|who|family|wife|husband|son|daughter|patient|pt)\s*(?:['’]s|is|was|are|were)"
                 rf"\s+(?:originally\s+)?from|originally\s+from|hails\s+from)\s+(?:the\s+)?({_PLACE_NAME})\b", 1,
     _small_place),
    ("location", rf"\bfrom\s+({_PLACE_NAME})\s+originally\b", 1, _small_place),
    ("location", rf"\b(({_PLACE_NAME})\s+(?-i:County|Parish|Township|Borough|Reservation))\b"
                 r"(?!\s+(?:hospital|medical|health|general|memorial|regional|clinic)\b)",
     1, _county),
    ("room", rf"\b(?:room|rm|bay|cubicle|{_ROOM_WORDS})s?\.?{_CUE_GAP}{_ROOM_NO}{_TIME_UNITS}"
             rf"(?:\s*(?:,|and|&|or|to|-|/)\s*{_PLACE_NO})*", 0, _patient_room),
    ("bed", rf"\b(?:bed|bed\s*space|stretcher|crib|{_BED_WORDS})s?\.?{_CUE_GAP}{_ROOM_NO}{_TIME_UNITS}"
            rf"(?:\s*(?:,|and|&|or|to|-|/)\s*{_PLACE_NO})*", 0, None),
    ("room", rf"\b(?:{_ROOM_WORDS})s?\.?{_CUE_GAP}{_FOREIGN_NO}", 0, _patient_room),
    ("bed", rf"\b(?:{_BED_WORDS})s?\.?{_CUE_GAP}{_FOREIGN_NO}", 0, None),
    ("bed", rf"\b(?:{_SPANISH_PLACES})s?\.?{_CUE_GAP}once\b", 0, None),
    # Chinese, Japanese and Korean, written without spaces: "十二号房间", "12号房", "房间12", "12号室", "302호실",
    # "병실 5", "床 4", "4号床", "ベッド 3", "4번 침대"
    ("room", rf"(?<![\d{_CJK_DIGITS}]){_CJK_NO_BEFORE}\s*(?:{_CJK_ROOMS})", 0, None),
    ("room", rf"(?:{_CJK_ROOMS})\s*(?:{_CJK_NUMBER_MARK})?\s*{_CJK_NO}(?![\d{_CJK_DIGITS}])", 0, None),
    ("bed", rf"(?<![\d{_CJK_DIGITS}]){_CJK_NO_BEFORE}\s*(?:{_CJK_BEDS})", 0, None),
    ("bed", rf"(?:{_CJK_BEDS})\s*(?:{_CJK_NUMBER_MARK})?\s*{_CJK_NO}(?![\d{_CJK_DIGITS}])", 0, None),
]

# The hospital's programs, events and places, in any case: never a patient's name. A program's own name (a unit
# setting) is usually one of these words too.
_PROGRAMS = re.compile(
    r"(?<!\w)(?:safe\s+harbou?r|code\s+(?:blue|red|grey|gray|white|pink|orange|silver|black|yellow|green|stroke|sepsis"
    r"|stemi|trauma|purple|brown|amber|lavender|triage|omega)|rapid\s+response(?:\s+team)?|(?:\w+\s+)?connections"
    r"|magnet(?:\s+(?:recognition|designation|redesignation|journey|status|hospital))?|stop\s+the\s+bleed"
    r"|teach[\s-]?back|good\s+catch(?:es)?|daisy(?:\s+award)?|bee\s+award|no\s+one\s+dies\s+alone"
    r"|lean(?:\s+six)?\s+sigma|six\s+sigma|random\s+acts\s+of\s+kindness|tea\s+for\s+the\s+soul|code\s+lavender"
    r"|joy\s+(?:squad|cart|team)|hope\s+garden|healing\s+garden|sunshine\s+(?:club|committee|fund)"
    r"|(?:north|south|east|west|main|new|old)\s+(?:tower|wing|campus|building|pavilion|annex|entrance|lobby)"
    r"|(?:cath|sleep|gait|sim|simulation|skills)\s+lab|pod\s+[a-z]\b|(?:the\s+)?(?:cafeteria|chapel|atrium|lobby"
    r"|helipad|skybridge|courtyard))", re.IGNORECASE)


def protected(text: str) -> list[tuple[int, int]]:
    """Spans of the hospital's program and place names in a text: the name detectors leave them out."""
    return [match.span() for match in _PROGRAMS.finditer(text)]
