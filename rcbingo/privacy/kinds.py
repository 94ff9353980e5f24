"""The kinds of patient identifier the screen reports, after HIPAA's Safe Harbor list, and how a person reads them.

A full-face photograph, the one Safe Harbor kind that text cannot hold, has no kind here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from re import Match

from ..rc import N_

# Kind -> label shown to coordinators (marked for translation, shown through the `tr` filter). When two candidates
# overlap, the kind listed first wins (then the longer one): a labelled number beats a bare run of digits, a specific
# kind a general one.
LABELS: dict[str, str] = {
    "ssn": N_("social security number"),
    "email": N_("email address"),
    "url": N_("web address"),
    "ip_address": N_("IP address"),
    "fax": N_("fax number"),
    "phone": N_("phone number"),
    "dob": N_("date of birth"),
    "health_plan": N_("health plan number"),
    "account": N_("account number"),
    "license": N_("license or certificate number"),
    "vehicle": N_("vehicle plate or number"),
    "device": N_("device serial number"),
    "biometric": N_("biometric identifier"),
    "other_id": N_("other identifying number"),
    "mrn": N_("medical record number"),
    "address": N_("street address or ZIP code"),
    "location": N_("town or county"),
    "age_over_89": N_("age over 89"),
    "date": N_("date"),
    "room": N_("room number"),
    "bed": N_("bed number"),
    "identifying_trait": N_("identifying feature"),
    "family_name": N_("relative's name"),
    "patient_name": N_("patient name"),
    "not_a_name": N_("text beyond a colleague's name"),  # a name field only (name_field.py)
}
KINDS = tuple(LABELS)
PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}

# A detector by pattern: (kind, pattern, group whose span is reported, extra check on the match). Patterns are
# compiled case-insensitive; a pattern scopes that off with (?-i:...) where case is the evidence.
Pattern = tuple[str, str, int, Callable[[Match], bool] | None]
# A candidate: (start, end, kind).
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int  # character offset in the text (inclusive)
    end: int  # exclusive; text[start:end] == finding.text
    text: str

    @property
    def label(self) -> str:
        """What a coordinator reads for this kind: a message marked for translation."""
        return LABELS[self.kind]
