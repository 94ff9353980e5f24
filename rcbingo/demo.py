"""The demo organization a newcomer sees: a living ICU with its roster and cards."""

import json
import uuid
from datetime import timedelta
from pathlib import Path

from .cards import service as cards
from .cards.rules import Draft, Entry
from .database import utcnow, write_transaction
from .org.service import load_roster, unit_by_key

DEMO_FILE = Path(__file__).with_name("demo.json")
# Demo cards have fixed submission ids, so seeding twice stores each card once.
DEMO_NAMESPACE = uuid.UUID("5d1f7c1e-9a57-4c1e-8f5e-2b0c6a7d9e11")


def seed() -> dict[str, int]:
    """Load the demo roster and cards; running it again adds nothing twice."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    created = load_roster(data)
    people = {p["name"]: p for p in data["staff"]}
    created["cards"] = 0
    for n, entry in enumerate(data["cards"]):
        unit = unit_by_key(entry["unit"])
        draft = Draft(
            nominator=_entry(people[entry["nominator"]]),
            nominees=tuple(_entry(people[name]) for name in entry["nominees"]),
            dimensions=frozenset(entry["dimensions"]),
            practice=entry["practice"],
            story=entry["story"],
        )
        card, stored = cards.submit(draft, unit, uuid.uuid5(DEMO_NAMESPACE, str(n)).hex)
        if stored:
            with write_transaction():
                card.created_at = utcnow() - timedelta(days=entry["days_ago"], hours=n % 7)
            created["cards"] += 1
    return created


def _entry(person: dict) -> Entry:
    return Entry(name=person["name"], workgroup=person["workgroup"], unit=person["unit"])
