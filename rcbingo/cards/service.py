"""Storing cards: the rules decide, this module reads and writes."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..database import write_transaction
from ..extensions import db
from ..org.models import Person, Unit, Workgroup
from ..org.service import active_units, active_workgroups
from . import rules
from .models import Card, CardDimension, Nominee


class CardRefused(ValueError):
    def __init__(self, problems: dict[str, rules.Problem]):
        super().__init__(", ".join(sorted(problems)))
        self.problems = problems


def check(draft: rules.Draft) -> dict[str, rules.Problem]:
    """The rules' verdict on a draft, against the workgroups and units that exist now."""
    return rules.problems(draft, {w.key for w in active_workgroups()}, {u.key for u in active_units()})


def card_by_submission(submission_id: str) -> Card | None:
    return db.session.scalar(select(Card).where(Card.submission_id == submission_id))


def submit(draft: rules.Draft, unit: Unit, submission_id: str) -> tuple[Card, bool]:
    """Store a card written on `unit`'s kiosk once, however often it is sent.

    Returns the card and whether this call stored it (False for a repeat of a stored card).
    Raises CardRefused when the rules refuse the draft.
    """
    existing = card_by_submission(submission_id)
    if existing is not None:
        return existing, False
    found = check(draft)
    if found:
        raise CardRefused(found)
    workgroups = {w.key: w for w in active_workgroups()}
    units = {u.key: u for u in active_units()}
    try:
        with write_transaction() as session:
            card = Card(
                submission_id=submission_id,
                unit_id=unit.id,
                nominator_name=draft.nominator.name.strip(),
                nominator_workgroup_id=workgroups[draft.nominator.workgroup].id,
                nominator_unit_id=units[draft.nominator.unit].id,
                nominator_person_id=_roster_id(draft.nominator, workgroups, units),
                practice=draft.practice.strip(),
                story=draft.story.strip(),
                consent_publish=draft.consent_publish,
                show_nominator_name=draft.show_nominator_name,
                nominees=[
                    Nominee(position=position, name=entry.name.strip(),
                            workgroup_id=workgroups[entry.workgroup].id, unit_id=units[entry.unit].id,
                            person_id=_roster_id(entry, workgroups, units))
                    for position, entry in enumerate(draft.named)],
                dimensions=[CardDimension(dimension=key) for key in sorted(draft.dimensions)],
            )
            session.add(card)
    except IntegrityError:
        # The same card sent twice at the same instant: the other request stored it.
        existing = card_by_submission(submission_id)
        if existing is None:
            raise
        return existing, False
    return card, True


def _roster_id(entry: rules.Entry, workgroups: dict[str, Workgroup], units: dict[str, Unit]) -> int | None:
    """The roster person a written name stands for, when name, workgroup and unit all match."""
    return db.session.scalar(select(Person.id).where(
        Person.name == entry.name.strip(), Person.workgroup_id == workgroups[entry.workgroup].id,
        Person.unit_id == units[entry.unit].id, Person.retired_at.is_(None)).limit(1))
