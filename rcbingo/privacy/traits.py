"""What identifies a person without being a name or a number: biometric identifiers, and a unique characteristic such
as a described tattoo or a public office ("the former mayor")."""

from __future__ import annotations

from .kinds import Pattern

_PUBLIC_ROLE = (r"(?:mayor|senator|governor|congress(?:man|woman|person)|(?:state\s+)?representative|legislator|judge"
                r"|sheriff|police\s+chief|fire\s+chief|bishop|commissioner|council(?:man|woman|member|lor)|alderman"
                r"|news\s+anchor|anchorman|anchorwoman|weatherman|quarterback|rodeo\s+champion|olympian|actor|actress"
                r"|singer|rapper|musician|author|novelist|celebrity|athlete|(?:football|basketball|baseball|hockey)"
                r"\s+(?:player|star|coach)|boxer|astronaut|tribal\s+chairman)")

NEEDS = {"biometric": r"\d"}

PATTERNS: list[Pattern] = [
    ("biometric", r"\b(?:finger\s*print|thumb\s*print|palm\s*print|voice\s*print|retina(?:l)?\s+scan|iris\s+scan"
                  r"|palm\s+vein|face\s*id|facial\s+(?:scan|recognition)|dna(?:\s+(?:profile|sample|test|result|match))?"
                  r"|biometrics?|huella)s?\s*(?:id|number|no\.?|#|template|code|profile|record)?\s*[:#]?\s*"
                  r"(?:is\s+|was\s+)?(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24}(?![\w-])", 0, None),
    # a tattoo or birthmark described: "a tattoo of an eagle with Semper Fi 1968", "tattoo that says MOM"
    ("identifying_trait", r"\b(?:tattoos?|tats?|tatuaje|birthmarks?|port[\s-]wine\s+stain)\s+(?:of|that\s+(?:says|said"
                          r"|reads?)|saying|reading|with|across|spelling|de)\s+[^.,;!?\n]{2,60}", 0, None),
    # a public office or fame, said of someone: "the former mayor", "a retired senator", "a famous singer"
    ("identifying_trait", rf"\b(?:former|retired|ex-?|the\s+late|local|our\s+local|famous|well[\s-]known|beloved"
                          rf"|legendary|hall\s+of\s+fame|olympic|pro(?:fessional)?|nfl|nba|mlb|nhl|tv|radio)\s+"
                          rf"{_PUBLIC_ROLE}s?\b", 0, None),
    ("identifying_trait", r"\b(?:celebrity|famous|vip)\s+(?:patient|pt|guest|visitor)s?\b", 0, None),
]
