"""Reading and writing units, workgroups and the roster."""

from sqlalchemy import func, select

from ..database import write_transaction
from ..extensions import db
from .models import DEFAULT_PROGRAM_NAME, Organization, Person, Unit, Workgroup
from .rules import roster_problems


class RosterError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def organization() -> Organization:
    """The organization's settings, with defaults before any roster is loaded."""
    org = db.session.scalar(select(Organization).order_by(Organization.id).limit(1))
    return org or Organization(name="", program_name=DEFAULT_PROGRAM_NAME)


def active_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.retired_at.is_(None)).order_by(Unit.name)))


def unit_by_key(key: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.key == key, Unit.retired_at.is_(None)))


def active_workgroups() -> list[Workgroup]:
    return list(db.session.scalars(
        select(Workgroup).where(Workgroup.retired_at.is_(None)).order_by(Workgroup.name)))


def person(person_id: int) -> Person | None:
    found = db.session.get(Person, person_id)
    return found if found is not None and found.retired_at is None else None


def search_people(text: str, near: Unit, limit: int = 6) -> list[Person]:
    """Roster people whose name contains `text`, people of the `near` unit first."""
    words = text.split()
    if not words or len(text.strip()) < 2:
        return []
    query = select(Person).where(Person.retired_at.is_(None))
    for word in words:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Person.name).like(f"%{escaped}%", escape="\\"))
    query = query.order_by((Person.unit_id != near.id), Person.name).limit(limit)
    return list(db.session.scalars(query))


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
        if "timezone" in entry:
            row.timezone = entry["timezone"]
    session.flush()
    return rows
