"""Reading and writing units, workgroups and the roster."""

import time
import unicodedata
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from .. import pages
from ..audit.service import record
from ..database import utcnow, write_transaction, written
from ..extensions import db
from ..rc import N_
from .events import names_changed, settings_changed, workgroups_merged
from .models import DEFAULT_PROGRAM_NAME, Organization, Person, Unit, Workgroup
from .rules import (
    CsvRow,
    NameIndex,
    matching_people,
    may,
    may_add_workgroup,
    may_change_units,
    name_index,
    roster_problems,
    unique_key,
    unit_name_problem,
)


class NotAllowed(Forbidden):
    """An action the account's roles do not allow, whatever page it was asked from."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(N_("Your account has no role that allows this."))


def _coordinates(actor, *unit_ids: int) -> bool:
    """Whether `actor` (None: a command-line task) may change the roster of every one of these units."""
    return actor is None or all(may(actor.is_admin, actor.role_set(), u, "coordinator") for u in unit_ids)


class RosterError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def organization() -> Organization:
    """The organization's settings, with defaults before any roster is loaded."""
    org = db.session.scalar(select(Organization).order_by(Organization.id).limit(1))
    return org or Organization(name="", program_name=DEFAULT_PROGRAM_NAME)


@dataclass(frozen=True)
class OrganizationNames:
    """What every page shows of the organization: a plain copy, safe to keep between requests."""

    name: str
    program_name: str


def organization_names() -> OrganizationNames:
    org = organization()
    return OrganizationNames(name=org.name, program_name=org.program_name)


def active_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.retired_at.is_(None)).order_by(Unit.name)))


@dataclass(frozen=True)
class KnownUnit:
    """An active unit as the pages everyone opens show it and check who may open them: a plain copy, safe to keep
    between requests (never an ORM object another session could change or expire)."""

    id: int
    key: str
    name: str
    timezone: str
    review_first: bool
    require_enrolled_tablets: bool


def _known_units() -> dict[str, KnownUnit]:
    """The active units by key, copied once per change of names, roster or settings (rcbingo.pages): another
    process's change is seen within 0.2 s."""
    return pages.once("known_units", None, lambda: {u.key: KnownUnit(
        u.id, u.key, u.name, u.timezone, u.review_first, u.require_enrolled_tablets) for u in active_units()})


def known_unit(key: str) -> KnownUnit | None:
    return _known_units().get(key)


def known_units() -> list[KnownUnit]:
    return list(_known_units().values())


def unit_by_key(key: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.key == key, Unit.retired_at.is_(None)))


def unit_by_key_or_name(text: str) -> Unit | None:
    """A unit named on the command line by its short key or its full name (any case)."""
    return unit_by_key(text) or db.session.scalar(select(Unit).where(
        func.lower(Unit.name) == text.strip().lower(), Unit.retired_at.is_(None)))


def active_workgroups() -> list[Workgroup]:
    return list(db.session.scalars(
        select(Workgroup).where(Workgroup.retired_at.is_(None)).order_by(Workgroup.name)))


def _visible_from(unit: Unit):
    """People a card of `unit` may look up: its own staff, and those of units whose cards are open to any
    device (a unit that allows enrolled tablets only keeps its roster to its own devices)."""
    return or_(Person.unit_id == unit.id, Person.unit.has(Unit.require_enrolled_tablets.is_(False)))


def person(person_id: int, near: Unit) -> Person | None:
    """A current roster person, if a card of `near` may look them up."""
    return db.session.scalar(select(Person).where(Person.id == person_id, Person.retired_at.is_(None),
                                                  _visible_from(near)))


def search_people(text: str, near: Unit, limit: int = 6) -> list[Person]:
    """Roster people whom every word of `text` finds (case and accents set aside; a slip of a finger forgiven; a
    workgroup's name lists its people: rules.matching_people), the closest first, then people of the `near` unit
    first; none of a retired workgroup (no card may name it)."""
    if len(text.strip()) < 2:
        return []
    found = matching_people(folded(text).split(), card_lookups().index)
    people: list[Person] = []
    for rank in sorted(set(found.values())):
        query = select(Person).join(Workgroup, Workgroup.id == Person.workgroup_id).where(
            Person.id.in_([person_id for person_id, r in found.items() if r == rank]), Person.retired_at.is_(None),
            Workgroup.retired_at.is_(None), _visible_from(near))
        people += db.session.scalars(query.order_by((Person.unit_id != near.id), Person.name).limit(
            limit - len(people)))
        if len(people) == limit:
            break
    return people


def folded(text: str) -> str:
    """Text as names are matched when searched: case and accents set aside, so "jose nunez" (typed with gloves on, or
    on a keyboard without accents) finds José Núñez."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def load_roster(data: dict) -> dict[str, int]:
    """Create or update the organization, units, workgroups and staff of a roster document.

    Entries are matched by key (units, workgroups) or by name within a unit (staff), so loading
    the same file twice changes nothing. Returns how many of each were created.
    """
    problems = roster_problems(data)
    if problems:
        raise RosterError(problems)
    created = {"units": 0, "workgroups": 0, "staff": 0}
    with write_transaction() as session:
        org = session.scalar(select(Organization).limit(1)) or Organization()
        org.name = data.get("organization", org.name or "")
        org.program_name = data.get("program_name", org.program_name or DEFAULT_PROGRAM_NAME)
        session.add(org)
        units = _upsert(session, Unit, data.get("units", []), created, "units")
        workgroups = _upsert(session, Workgroup, data.get("workgroups", []), created, "workgroups")
        for entry in data.get("staff", []):
            unit = units[entry["unit"]]
            name = entry["name"].strip()
            existing = session.scalar(select(Person).where(Person.unit_id == unit.id, Person.name == name))
            if existing is None:
                existing = Person(name=name, unit=unit)
                session.add(existing)
                created["staff"] += 1
            existing.workgroup = workgroups[entry["workgroup"]]
            existing.retired_at = None
        names_changed.send(session=session)
    return created


def _upsert(session, model, entries: list[dict], created: dict, counter: str) -> dict:
    rows = {row.key: row for row in session.scalars(select(model))}
    for entry in entries:
        row = rows.get(entry["key"])
        if row is None:
            row = rows[entry["key"]] = model(key=entry["key"])
            session.add(row)
            created[counter] += 1
        row.name = entry["name"].strip()
        for setting in ("timezone", "review_first"):
            if setting in entry:
                setattr(row, setting, entry[setting])
    session.flush()
    return rows


def staff_names() -> list[str]:
    """Every name on the roster, retired staff included: none of them is patient information."""
    return list(db.session.scalars(select(Person.name).distinct()))


# --- what every card is checked against, kept for a few seconds ------------------------------------------------

# Read at most this often per process: a card sent to another process within this second of a change is judged
# against the roster as it was (as if it had been sent a moment earlier), except that a card they would refuse is
# checked again against a fresh read. A change this process commits is seen at once.
LOOKUPS_SECONDS = 1.0
_LOOKUPS = "rcbingo_card_lookups"
_ROSTER_MODELS = {Person, Workgroup, Unit}


@dataclass(frozen=True)
class Lookups:
    workgroups: dict[str, int]  # the active workgroups' ids by key
    units: dict[str, int]  # the active units' ids by key
    staff: tuple[str, ...]  # staff_names()
    people: dict[tuple[str, int, int], int]  # the active roster's people by name, workgroup and unit (the first)
    roster: tuple[tuple[int, str, str], ...]  # the active roster's people: id, folded name and workgroup name
    index: NameIndex  # the same, by the words of names and workgroups (for the name search)

    def person(self, name: str, workgroup_key: str, unit_key: str) -> int | None:
        """The roster person a name written on a card stands for, when name, workgroup and unit all match."""
        return self.people.get((name.strip(), self.workgroups[workgroup_key], self.units[unit_key]))


def card_lookups(fresh: bool = False) -> Lookups:
    """What a new card is checked against and linked to (its workgroups, units and roster people, and the names
    the patient-information screen knows as staff), and what its name search looks through, read at most every
    LOOKUPS_SECONDS by this process: a card costs no read of them."""
    kept, now = current_app.extensions.get(_LOOKUPS), time.monotonic()
    if fresh or kept is None or now - kept[0] > LOOKUPS_SECONDS:
        forgotten = _forgotten[0]

        def ids(model):
            return dict(db.session.execute(select(model.key, model.id).where(model.retired_at.is_(None))).all())

        people, roster = {}, []
        workgroup_names = {workgroup_id: folded(name) for workgroup_id, name in db.session.execute(
            select(Workgroup.id, Workgroup.name))}
        for person_id, *key in db.session.execute(select(Person.id, Person.name, Person.workgroup_id, Person.unit_id)
                                                  .where(Person.retired_at.is_(None)).order_by(Person.id)):
            people.setdefault(tuple(key), person_id)
            roster.append((person_id, folded(key[0]), workgroup_names.get(key[1], "")))
        roster = tuple(roster)
        index = kept[1].index if kept is not None and kept[1].roster == roster else name_index(roster)  # unchanged
        kept = (now, Lookups(ids(Workgroup), ids(Unit), tuple(staff_names()), people, roster, index))
        if forgotten == _forgotten[0]:  # (kept only if no change was committed here while it was read)
            current_app.extensions[_LOOKUPS] = kept
    return kept[1]


_forgotten = [0]  # how many times this process forgot the lookups


@event.listens_for(Session, "after_commit")
def _forget_lookups(session) -> None:
    if written(session) & _ROSTER_MODELS and has_app_context():
        _forgotten[0] += 1
        current_app.extensions.pop(_LOOKUPS, None)


def unit_people(unit: Unit) -> list[Person]:
    return list(db.session.scalars(
        select(Person).where(Person.unit_id == unit.id).order_by(Person.retired_at.is_not(None), Person.name)))


def all_workgroups() -> list[Workgroup]:
    return list(db.session.scalars(select(Workgroup).order_by(Workgroup.retired_at.is_not(None), Workgroup.name)))


def workgroup_lookup() -> dict[str, str]:
    """Each active workgroup's key and lower-cased name, mapped to its key."""
    lookup = {}
    for workgroup in active_workgroups():
        lookup[workgroup.key] = lookup[workgroup.name.lower()] = workgroup.key
    return lookup


def save_person(person: Person | None, *, name: str, workgroup_key: str, unit: Unit, actor) -> Person:
    """Add a person to a unit's roster, or change their name, workgroup or unit (in units `actor` coordinates)."""
    _require(_coordinates(actor, unit.id, *([person.unit_id] if person else [])))
    with write_transaction() as session:
        workgroup = session.scalar(select(Workgroup).where(Workgroup.key == workgroup_key))
        if person is None:
            person = Person(name=" ".join(name.split()), workgroup=workgroup, unit=unit)
            session.add(person)
            action = "added"
        else:
            person = session.merge(person)
            moved = person.unit_id != unit.id
            person.name, person.workgroup, person.unit = " ".join(name.split()), workgroup, unit
            action = "moved" if moved else "edited"
        session.flush()
        record("roster_changed", actor=actor, unit_id=unit.id, subject=f"person {person.id}", detail=action)
    return person


def set_person_retired(person: Person, retired: bool, actor) -> None:
    """Retire a person (they leave the type-ahead; their cards stay) or bring them back."""
    _require(_coordinates(actor, person.unit_id))
    with write_transaction() as session:
        person = session.merge(person)
        person.retired_at = utcnow() if retired else None
        record("roster_changed", actor=actor, unit_id=person.unit_id, subject=f"person {person.id}",
               detail="retired" if retired else "restored")


def import_people(unit: Unit, rows: list[CsvRow], actor) -> int:
    """Add the rows of a checked CSV file to a unit's roster; people already there change workgroup."""
    _require(_coordinates(actor, unit.id))
    workgroups = {w.key: w for w in active_workgroups()}
    added = 0
    with write_transaction() as session:
        for row in rows:
            person = session.scalar(select(Person).where(Person.unit_id == unit.id, Person.name == row.name))
            if person is None:
                session.add(Person(name=row.name, unit=unit, workgroup=workgroups[row.workgroup]))
                added += 1
            else:
                person.workgroup, person.retired_at = workgroups[row.workgroup], None
        record("roster_changed", actor=actor, unit_id=unit.id, subject=f"unit {unit.id}",
               detail=f"imported {len(rows)} rows, {added} new people")
    return added


def _administers(actor) -> bool:
    return actor is None or may_change_units(actor.is_admin)


class UnitNameTaken(ValueError):
    """The name is missing, too long or another unit's (case aside): `problem` says which, in words to show."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.retired_at.is_not(None), Unit.name)))


def _checked_unit_name(session, name: str, unit_id: int | None) -> str:
    """The name as stored (spaces collapsed), checked against every other unit's inside the writing transaction."""
    name = " ".join(name.split())
    others = session.scalars(select(Unit.name).where(Unit.id != unit_id) if unit_id else select(Unit.name))
    if problem := unit_name_problem(name, others):
        raise UnitNameTaken(problem)
    return name


UNIT_NAMES = 0x52434255  # PostgreSQL's advisory lock key of units' names and keys ("RCBU")


def _one_unit_change_at_a_time(session) -> None:
    """Units are added and renamed one at a time: each checks the others' names and keys before it writes. SQLite's
    write transaction does that already; on PostgreSQL two administrators at once both passed the checks (the same
    name twice, or a 500 on the key)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(UNIT_NAMES)))


def add_unit(name: str, actor) -> Unit:
    """A new unit with a key made from its name (never changed after), in the zone most units keep their clocks."""
    _require(_administers(actor))
    with write_transaction() as session:
        _one_unit_change_at_a_time(session)
        name = _checked_unit_name(session, name, None)
        zone = session.scalar(select(Unit.timezone).group_by(Unit.timezone)
                              .order_by(func.count().desc(), Unit.timezone).limit(1))
        unit = Unit(key=unique_key(name, set(session.scalars(select(Unit.key))), "unit"), name=name,
                    timezone=zone or "UTC")
        session.add(unit)
        session.flush()
        record("unit_changed", actor=actor, unit_id=unit.id, subject=f"unit {unit.id}", detail="added")
        names_changed.send(session=session)  # the home page and the card's unit list offer it
    return unit


def rename_unit(unit: Unit, name: str, actor) -> None:
    """A unit's new name; its key, and so every link to its card, board, walls and tablets, stays."""
    _require(_administers(actor))
    with write_transaction() as session:
        _one_unit_change_at_a_time(session)
        session.merge(unit).name = _checked_unit_name(session, name, unit.id)
        record("unit_changed", actor=actor, unit_id=unit.id, subject=f"unit {unit.id}", detail="renamed")
        names_changed.send(session=session)


def add_workgroup(name: str, actor) -> Workgroup:
    _require(actor is None or may_add_workgroup(actor.is_admin, actor.role_set()))
    with write_transaction() as session:
        key = unique_key(name, set(session.scalars(select(Workgroup.key))), "workgroup")
        workgroup = Workgroup(key=key, name=" ".join(name.split()))
        session.add(workgroup)
        session.flush()
        record("workgroup_changed", actor=actor, subject=f"workgroup {workgroup.id}", detail="added")
        names_changed.send(session=session)  # the card offers it
    return workgroup


def rename_workgroup(workgroup: Workgroup, name: str, actor) -> None:
    _require(_administers(actor))
    with write_transaction() as session:
        session.merge(workgroup).name = " ".join(name.split())
        record("workgroup_changed", actor=actor, subject=f"workgroup {workgroup.id}", detail="renamed")
        names_changed.send(session=session)


def set_workgroup_retired(workgroup: Workgroup, retired: bool, actor) -> None:
    _require(_administers(actor))
    with write_transaction() as session:
        session.merge(workgroup).retired_at = utcnow() if retired else None
        record("workgroup_changed", actor=actor, subject=f"workgroup {workgroup.id}",
               detail="retired" if retired else "restored")
        names_changed.send(session=session)  # the card offers it no more, or again


def merge_workgroups(source: Workgroup, target: Workgroup, actor) -> None:
    """Fold `source` into `target`: its people and the credit it earned move over, and it is retired."""
    _require(_administers(actor))
    if source.id == target.id:
        raise ValueError("a workgroup cannot be merged into itself")
    with write_transaction() as session:
        session.execute(update(Person).where(Person.workgroup_id == source.id).values(workgroup_id=target.id))
        workgroups_merged.send(source_id=source.id, target_id=target.id, session=session)
        session.merge(source).retired_at = utcnow()
        record("workgroup_changed", actor=actor, subject=f"workgroup {source.id}",
               detail=f"merged into workgroup {target.id}")
        names_changed.send(session=session)


def save_unit_settings(unit: Unit, *, review_first: bool, require_enrolled_tablets: bool,
                       confirm_wins: bool | None = None, actor) -> None:
    """Save a unit's settings (`confirm_wins` None: as it is)."""
    _require(_coordinates(actor, unit.id))
    with write_transaction() as session:
        unit = session.merge(unit)
        unit.review_first, unit.require_enrolled_tablets = review_first, require_enrolled_tablets
        if confirm_wins is not None:
            unit.confirm_wins = confirm_wins
        settings_changed.send(unit_id=unit.id, session=session)
        record("unit_settings", actor=actor, unit_id=unit.id, subject=f"unit {unit.id}",
               detail=("review first" if review_first else "publish at once")
               + ("; enrolled tablets only" if require_enrolled_tablets else "")
               + ("; wins confirmed by a coordinator" if unit.confirm_wins else "; wins declared at once"))
