"""Rules about organisation data, as plain functions of plain data."""

import re
from zoneinfo import available_timezones

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
