"""Rules about organisation data, as plain functions of plain data."""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from ..rc import N_

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
NAME_MAX = 120


def roster_problems(data: object) -> list[str]:
    """Every problem in a roster document (units, workgroups, staff), in words a coordinator can act on."""
    if not isinstance(data, dict):
        return ["The file must hold one JSON object with 'units', 'workgroups' and 'staff'."]
    problems: list[str] = []
    keys: dict[str, set[str]] = {}
    for section in ("units", "workgroups"):
        entries = data.get(section, [])
        if not isinstance(entries, list):
            problems.append(f"'{section}' must be a list.")
            entries = []
        seen = keys.setdefault(section, set())
        for n, entry in enumerate(entries, 1):
            where = f"{section} #{n}"
            key = entry.get("key", "") if isinstance(entry, dict) else ""
            if not isinstance(key, str) or not KEY_PATTERN.match(key):
                problems.append(f"{where}: 'key' must be 1-40 lower-case letters, digits or dashes.")
            elif key in seen:
                problems.append(f"{where}: the key '{key}' appears twice.")
            seen.add(key)
            if not _is_name(entry.get("name") if isinstance(entry, dict) else None):
                problems.append(f"{where}: 'name' is missing or longer than {NAME_MAX} characters.")
            zone = entry.get("timezone") if isinstance(entry, dict) else None
            if section == "units" and zone is not None and zone not in available_timezones():
                problems.append(f"{where}: '{zone}' is not a time zone name such as 'America/Chicago'.")
            if section == "units" and not isinstance(entry.get("review_first", True), bool):
                problems.append(f"{where}: 'review_first' must be true or false.")
    staff = data.get("staff", [])
    if not isinstance(staff, list):
        return [*problems, "'staff' must be a list."]
    for n, person in enumerate(staff, 1):
        where = f"staff #{n}"
        if not isinstance(person, dict) or not _is_name(person.get("name")):
            problems.append(f"{where}: 'name' is missing or longer than {NAME_MAX} characters.")
            continue
        for field, section in (("workgroup", "workgroups"), ("unit", "units")):
            if person.get(field) not in keys[section]:
                problems.append(f"{where} ({person['name']}): unknown {field} '{person.get(field)}'.")
    return problems


def _is_name(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= NAME_MAX


PASSWORD_MIN = 12
ROLES = ("coordinator", "editor")


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password will not do, or None. Length beats complexity rules (NIST SP 800-63B)."""
    if len(password) < PASSWORD_MIN:
        return N_("Use at least %(min)s characters.")
    if len(password) > 256:
        return N_("Use at most 256 characters.")
    if email and password.strip().lower() == email.strip().lower():
        return N_("Do not use your email address as your password.")
    return None


def sign_in_expired(started: datetime, seen: datetime, now: datetime, idle: timedelta, longest: timedelta) -> bool:
    """A session ends after `idle` without a request, and `longest` after sign-in whatever happens."""
    return now - seen > idle or now - started > longest


def may(is_admin: bool, roles: set[tuple[int, str]], unit_id: int | None, role: str) -> bool:
    """Whether an account may act as `role` in a unit: administrators everywhere, others where they hold it.

    `roles` holds (unit id, role) pairs; a coordinator does not edit newsletters unless also an editor.
    """
    return is_admin or (unit_id, role) in roles


def may_add_workgroup(is_admin: bool, roles: set[tuple[int, str]]) -> bool:
    """Administrators and the coordinators of any unit add workgroups; editors only work on newsletters.

    Renaming, merging and retiring a workgroup change every unit: administrators only."""
    return is_admin or any(role == "coordinator" for _unit, role in roles)


@dataclass(frozen=True)
class CsvRow:
    """One row of a roster CSV file as it will be imported, with what is wrong with it."""

    line: int
    name: str
    workgroup: str  # the workgroup's key when it was recognised
    workgroup_text: str
    problems: tuple[str, ...] = ()


def parse_roster_csv(text: str, workgroups: dict[str, str]) -> list[CsvRow]:
    """Read a roster CSV with columns `name` and `workgroup` (its name or key), one person a row.

    `workgroups` maps each workgroup's key and lower-cased name to its key. Rows are checked one by
    one, so a coordinator sees every row's problems before anything is saved.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        headers = {h.strip().lower() for h in (reader.fieldnames or []) if h}
    except csv.Error:
        headers = set()
    if not {"name", "workgroup"} <= headers:
        return [CsvRow(1, "", "", "", (N_("The first line must name the columns: name, workgroup."),))]
    rows, seen = [], set()
    for line, raw in _numbered(reader):
        if raw is None:  # a field longer than the csv module reads (128 KB), or a quote never closed
            rows.append(CsvRow(line, "", "", "", (N_("This line cannot be read: a field is far too long or a "
                                                     "quote is not closed."),)))
            break
        fields = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        name, workgroup_text = " ".join(fields.get("name", "").split()), fields.get("workgroup", "")
        if not name and not workgroup_text:
            continue
        key = workgroups.get(workgroup_text) or workgroups.get(workgroup_text.lower(), "")
        problems = []
        if not name:
            problems.append(N_("The name is missing."))
        elif len(name) > NAME_MAX:
            problems.append(N_("The name is longer than 120 characters."))
        elif name.lower() in seen:
            problems.append(N_("This name appears twice in the file."))
        if not key:
            problems.append(N_("Unknown workgroup: use one of the workgroups listed on this page."))
        seen.add(name.lower())
        rows.append(CsvRow(line, name, key, workgroup_text, tuple(problems)))
    return rows


def _numbered(reader: csv.DictReader):
    """Each row with the line it starts on, then (line, None) where the file cannot be read further."""
    line = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield line, None
            return
        yield line, raw
        line = reader.line_num + 1


def slug(name: str, fallback: str = "workgroup") -> str:
    """A key for a new workgroup or unit: lower-case letters, digits and dashes."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return (text or fallback)[:40].rstrip("-")


def unique_key(name: str, taken: set[str], fallback: str) -> str:
    """A new key from `name`, numbered (-2, -3…) past the keys already `taken`. A key never changes once made: it is
    in every link of the unit (card, wall displays, tablets), so renaming keeps it."""
    key, n = slug(name, fallback), 2
    while key in taken:
        key, n = f"{slug(name, fallback)[:36]}-{n}", n + 1
    return key


def may_change_units(is_admin: bool) -> bool:
    """Adding and renaming units changes the whole organization: administrators only."""
    return is_admin


def unit_name_problem(name: str, others: Iterable[str]) -> str | None:
    """Why a unit may not take this name (as normalised and with its spaces collapsed), or None: it must be there,
    fit NAME_MAX, and differ from every other unit's name in more than case."""
    if not name:
        return N_("Type the unit's name.")
    if len(name) > NAME_MAX:
        return N_("Use at most 120 characters.")
    if name.casefold() in {" ".join(other.split()).casefold() for other in others}:
        return N_("Another unit already has this name: choose one that tells them apart.")
    return None


def enrolment_link_state(expires_at: datetime | None, enrolled_at: datetime | None, revoked_at: datetime | None,
                         now: datetime) -> str:
    """What a tablet's one-time enrolment link is now: "waiting" (it may enrol a device), "used", "revoked" or
    "expired". A link already used says so even after its day is over, so the person holding it learns why."""
    if revoked_at is not None:
        return "revoked"
    if enrolled_at is not None:
        return "used"
    if expires_at is None or expires_at < now:
        return "expired"
    return "waiting"


# --- The name search on the card ----------------------------------------------------------------------------------
# Words of fewer letters than this are matched only as they are typed: "ann" one slip away from "ian" is noise.
SLIP_FROM = 4
# A typed word of at least this many letters finds the people of a workgroup whose name has a word starting with it.
WORKGROUP_FROM = 3


@dataclass(frozen=True)
class NameIndex:
    """The roster as the name search reads it: each folded word of a person's name, and of a workgroup's name, with
    the people it belongs to, by first letter (a slip is looked for among words of the same first letter)."""
    names: dict[str, tuple[tuple[str, set[int]], ...]]  # (kept read-only: a NameIndex is shared)
    workgroups: dict[str, tuple[tuple[str, set[int]], ...]]


def name_index(people) -> NameIndex:
    """`people`: (id, folded name, folded workgroup name) of each person who may be named on a card."""
    names: dict[str, set[int]] = {}
    workgroups: dict[str, set[int]] = {}
    for person_id, name, workgroup in people:
        for word in name.split():
            names.setdefault(word, set()).add(person_id)
        for word in workgroup.split():
            workgroups.setdefault(word, set()).add(person_id)

    def by_letter(words: dict[str, set[int]]):
        letters: dict[str, list] = {}
        for word, ids in words.items():
            letters.setdefault(word[0], []).append((word, ids))
        return {letter: tuple(entries) for letter, entries in letters.items()}

    return NameIndex(by_letter(names), by_letter(workgroups))


def one_slip_from_start(typed: str, word: str) -> bool:
    """Whether `typed` is one slip of a finger from the start of `word`: a letter wrong, one too many, one missing, or
    two side by side swapped ("rossa" for Rosa, "phram" for pharmacists, "marai" for Maria)."""
    n, i = len(typed), 0
    if len(word) < n - 1:
        return False
    while i < n and i < len(word) and typed[i] == word[i]:  # (the strings differ early, mostly: a short walk)
        i += 1
    swapped = typed[i:i + 2] == word[i + 1:i + 2] + word[i:i + 1] and typed[i + 2:] == word[i + 2:n]
    return (i == n or swapped
            or typed[i + 1:] == word[i + 1:n]  # a wrong letter
            or typed[i + 1:] == word[i:n - 1]  # one too many
            or typed[i:] == word[i + 1:n + 1])  # one missing


def matching_people(words: list[str], index: NameIndex) -> dict[int, int]:
    """The people whom every typed (folded) word finds, each with how closely, best first when sorted by it:
    0: every word is part of a word of their name (as typed, in any order: "ned ni" finds Ned Night);
    1: some word is one slip from the start of a word of their name (words of SLIP_FROM letters or more);
    2: some word starts a word of their workgroup's name ("pharm" lists the pharmacists; WORKGROUP_FROM letters);
    3: some word is one slip from the start of a word of their workgroup's name.
    A slip is looked for among words of the same first letter (or with the first two letters swapped), and only counts
    when nobody is found as typed: "phili" finds Philippa, not Phil; "rossa" finds Rosa when nobody is called Rossa."""
    found: dict[int, int] | None = None
    for typed in words:
        closeness = _closeness(typed, index)
        found = closeness if found is None else {
            person_id: max(rank, closeness[person_id]) for person_id, rank in found.items() if person_id in closeness}
        if not found:
            return {}
    if found and any(rank in (0, 2) for rank in found.values()):
        return {person_id: rank for person_id, rank in found.items() if rank in (0, 2)}
    return found or {}


def _closeness(typed: str, index: NameIndex) -> dict[int, int]:
    """The people one typed word finds, each with its best rank (matching_people)."""
    closeness: dict[int, int] = {}

    def take(ids: set[int], rank: int) -> None:
        for person_id in ids:
            if closeness.get(person_id, 9) > rank:
                closeness[person_id] = rank

    letters = {typed[0], typed[1]} if len(typed) > 1 else {typed[0]}
    for entries in index.names.values():
        for word, ids in entries:
            if typed in word:
                take(ids, 0)
    if len(typed) >= SLIP_FROM:
        for word, ids in (entry for letter in letters for entry in index.names.get(letter, ())):
            if typed not in word and one_slip_from_start(typed, word):
                take(ids, 1)
    if len(typed) >= WORKGROUP_FROM:
        for word, ids in (entry for letter in letters for entry in index.workgroups.get(letter, ())):
            if word.startswith(typed):
                take(ids, 2)
            elif len(typed) >= SLIP_FROM and one_slip_from_start(typed, word):
                take(ids, 3)
    return closeness
