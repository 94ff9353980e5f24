"""The demo organization a newcomer sees: a living ICU with its roster and cards."""

import json
import uuid
from datetime import timedelta
from pathlib import Path

from .board import service as board
from .cards import service as cards
from .cards.rules import Draft, Entry
from .database import utcnow, write_transaction
from .org import accounts
from .org.service import active_workgroups, load_roster, unit_by_key

DEMO_FILE = Path(__file__).with_name("demo.json")
# Demo cards have fixed submission ids, so seeding twice stores each card once.
DEMO_NAMESPACE = uuid.UUID("5d1f7c1e-9a57-4c1e-8f5e-2b0c6a7d9e11")


DEMO_PASSWORD = "rcbingo-demo-password"  # noqa: S105 - published on purpose: demo sign-ins only
DEMO_ACCOUNTS = (
    ("admin@example.org", "Avery Admin", True, ()),
    ("coordinator@example.org", "Casey Coordinator", False, (("icu", "coordinator"), ("ortho-neuro", "coordinator"))),
    ("editor@example.org", "Eden Editor", False, (("icu", "editor"),)),
)


def seed(with_accounts: bool = False) -> dict[str, int]:
    """Load the demo roster and cards (and, if asked, demo accounts); running it again adds nothing twice."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    created = load_roster(data)
    created["games"] = _seed_game(data["game"])
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
                if card.published_at is not None:
                    card.published_at = card.created_at
            created["cards"] += 1
    if with_accounts:
        created["accounts"] = _seed_accounts()
    return created


def _seed_game(spec: dict) -> int:
    """The demo ICU's running game, started before its first card so every demo card counts."""
    unit = unit_by_key(spec["unit"])
    if board.unit_games(unit):
        return 0
    workgroups = [w.id for w in active_workgroups() if w.key in spec["workgroups"]]
    game = board.create_game(unit, title=spec["title"], prize=spec["prize"], workgroup_ids=workgroups,
                             start_now=True)
    with write_transaction() as session:
        session.merge(game).starts_at = utcnow() - timedelta(days=spec["days_ago"])
    return 1


def _seed_accounts() -> int:
    """Demo sign-ins with a published password: for trying the app, never for real data."""
    created = 0
    for email, name, is_admin, roles in DEMO_ACCOUNTS:
        if accounts.account_by_email(email) is None:
            account = accounts.create_account(email, name, DEMO_PASSWORD, is_admin=is_admin)
            accounts.set_roles(account, {(unit_by_key(u).id, r) for u, r in roles}, is_admin, actor=None)
            created += 1
    return created


def _entry(person: dict) -> Entry:
    return Entry(name=person["name"], workgroup=person["workgroup"], unit=person["unit"])
