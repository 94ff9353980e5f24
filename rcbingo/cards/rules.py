"""What makes a card acceptable, and what it credits: plain functions of plain data.

Messages are marked with N_() and translated where they are shown.
"""

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from ..privacy.redact import name_without, replaced
from ..rc import DIMENSION_KEYS, N_
from ..text import IGNORABLE

NAME_MAX = 120
PRACTICE_MAX = 200
STORY_MAX = 1500
PEOPLE_MAX = 8


class Problem(NamedTuple):
    """A message for the writer of the card, with the values it names."""

    message: str
    params: dict = {}


def shows(text: str) -> bool:
    """Whether text has something to read: not only spaces, invisible characters (a zero-width space, a soft
    hyphen, a Hangul filler: those the normalisation removes, rcbingo/text.py) and marks with nothing to sit on."""
    return any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc", "Mn", "Me") and not IGNORABLE.match(c)
               for c in text)


@dataclass(frozen=True)
class Entry:
    """A person as written on the card: a name, a workgroup key and a unit key."""

    name: str = ""
    workgroup: str = ""
    unit: str = ""

    @property
    def is_blank(self) -> bool:
        return not (shows(self.name) or self.workgroup)


@dataclass(frozen=True)
class Draft:
    """A card as submitted, before it is accepted."""

    nominator: Entry
    nominees: tuple[Entry, ...]
    dimensions: frozenset[str] = frozenset()
    practice: str = ""
    story: str = ""
    consent_publish: bool | None = True  # None: the writer has not said
    show_nominator_name: bool = True

    @property
    def named(self) -> tuple[Entry, ...]:
        """The people involved, without rows left blank."""
        return tuple(n for n in self.nominees if not n.is_blank)


def credited_workgroups(nominator_workgroup: str, nominee_workgroups: list[str]) -> list[str]:
    """The workgroups a card credits: every nominee's workgroup except the nominator's own, once each."""
    credited: list[str] = []
    for workgroup in nominee_workgroups:
        if workgroup != nominator_workgroup and workgroup not in credited:
            credited.append(workgroup)
    return credited


def credits(draft: Draft) -> set[tuple[str, str]]:
    """The (workgroup, dimension) squares a card covers: each other workgroup earns each ticked dimension."""
    workgroups = credited_workgroups(draft.nominator.workgroup, [n.workgroup for n in draft.named])
    return {(w, d) for w in workgroups for d in draft.dimensions}


def problems(draft: Draft, workgroups: set[str], units: set[str]) -> dict[str, Problem]:
    """Why a card cannot be accepted, by field ("story", "nominees.0.name"…); empty when it can.

    `workgroups` and `units` are the keys a card may name.
    """
    found: dict[str, Problem] = {}
    _check_person(found, "nominator", draft.nominator, workgroups, units, yours=True)
    if not draft.named:
        found["nominees"] = Problem(N_("Add the colleague you want to recognise."))
    elif len(draft.named) > PEOPLE_MAX:
        found["nominees"] = Problem(N_("A card can name at most %(max)s people."), {"max": PEOPLE_MAX})
    for index, nominee in enumerate(draft.nominees):
        if not nominee.is_blank:
            _check_person(found, f"nominees.{index}", nominee, workgroups, units, yours=False)
    named_workgroups = [n.workgroup for n in draft.named]
    if ("nominees" not in found and draft.nominator.workgroup in workgroups
            and all(w in workgroups for w in named_workgroups)
            and not credited_workgroups(draft.nominator.workgroup, named_workgroups)):
        found["nominees"] = Problem(N_(
            "Recognition goes to another profession: name at least one person whose workgroup is not yours."))
    if not draft.dimensions:
        found["dimensions"] = Problem(N_("Tick at least one thing they showed."))
    elif not draft.dimensions <= set(DIMENSION_KEYS):
        found["dimensions"] = Problem(N_("Tick the dimensions from the card."))
    if len(draft.practice.strip()) > PRACTICE_MAX:
        found["practice"] = _too_long(draft.practice, PRACTICE_MAX)
    if not shows(draft.story):
        found["story"] = Problem(N_("Tell us what happened: a sentence or two is enough."))
    elif len(draft.story.strip()) > STORY_MAX:
        found["story"] = _too_long(draft.story, STORY_MAX)
    if draft.consent_publish is None:
        found["consent_publish"] = Problem(N_("Say whether we may share your story: yes or no."))
    return found


def _check_person(found, prefix, entry: Entry, workgroups, units, yours: bool):
    name = entry.name.strip()
    if not shows(name):
        found[f"{prefix}.name"] = Problem(N_("Type your name.") if yours else N_("Type their name."))
    elif len(name) > NAME_MAX:
        found[f"{prefix}.name"] = _too_long(name, NAME_MAX)
    if entry.workgroup not in workgroups:
        found[f"{prefix}.workgroup"] = Problem(
            N_("Choose your workgroup from the list.") if yours else N_("Choose their workgroup from the list."))
    if entry.unit not in units:
        found[f"{prefix}.unit"] = Problem(N_("Choose a unit from the list."))


def _too_long(text: str, limit: int) -> Problem:
    return Problem(N_("Please shorten this to %(max)s characters (it has %(count)s)."),
                   {"max": limit, "count": len(text.strip())})


def marked_fields(draft: Draft, found: Mapping[str, Sequence]) -> dict[str, Sequence]:
    """What the screen found (by field, as `cards.service.screened` reports it: "nominator", "nominees.0" for the
    first person named, "practice", "story"), by the card's own field paths ("nominator.name", "nominees.2.name"…),
    for fields with something found. A name's findings are spans of the name as stored (stripped), as are the texts'."""
    rows = [at for at, nominee in enumerate(draft.nominees) if not nominee.is_blank]
    paths = {"nominator": "nominator.name", "practice": "practice", "story": "story"} | {
        f"nominees.{named}": f"nominees.{row}.name" for named, row in enumerate(rows)}
    return {paths[field]: marks for field, marks in found.items() if marks and field in paths}


def marked_problems(draft: Draft, found: Mapping[str, Sequence]) -> dict[str, Problem]:
    """For a writer back at their card to edit it: each field's words the screen marked, by field path."""
    return {path: Problem(N_("May be about a patient: %(words)s"), {"words": ", ".join(f"“{f.text}”" for f in marks)})
            for path, marks in marked_fields(draft, found).items()}


def without_marks(draft: Draft, found: Mapping[str, Sequence], say: Callable[[str], str],
                  screen_name: Callable[[str], Sequence]) -> Draft:
    """The card with what the screen marked taken out ("Remove them and send"): in the practice line and story each
    marked span becomes its placeholder ("[room]", worded by `say`); a marked name loses its marked words, screened
    again (`screen_name`) until it reads as a colleague's name. Fields with nothing marked are kept as typed."""
    marked = marked_fields(draft, found)
    texts = {field: replaced(getattr(draft, field).strip(), marked[field], say)
             for field in ("practice", "story") if field in marked}

    def person(entry: Entry, path: str) -> Entry:
        return replace(entry, name=name_without(entry.name.strip(), screen_name)) if path in marked else entry

    return replace(draft, nominator=person(draft.nominator, "nominator.name"),
                   nominees=tuple(person(n, f"nominees.{at}.name") for at, n in enumerate(draft.nominees)), **texts)


def initial_status(review_first: bool, flagged: bool) -> str:
    """A new card is published at once only where the unit allows it and the screen found nothing."""
    return "submitted" if review_first or flagged else "published"


def counts(status: str) -> bool:
    """Only a published card counts on a board or appears in a newsletter; rejected and withdrawn count for nothing."""
    return status == "published"


TITLES = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof.", "rev", "rev."}


def first_name(name: str) -> str:
    """The first name of a written name, as walls show people: "Dr. Julia Ferreira" → "Julia",
    "Ferreira, Julia" → "Julia"; a title and a surname alone keep only an initial: "Dr. Osei" → "Dr. O."."""
    _surname, comma, given = name.partition(",")
    if comma and given.strip():
        return first_name(given)
    words = name.split()
    named = [w for w in words if w.lower() not in TITLES]
    if named and len(named) < len(words) and len(named) == 1:
        return f"{words[0]} {named[0][0]}."
    return named[0] if named else name.strip()
