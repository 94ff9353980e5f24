"""How the game spreads from unit to unit: each unit's activity week by week, its games and winners."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..board.models import Game, GameState
from ..board.service import announced_wins
from ..cards.models import Card
from ..cards.service import published_cards
from ..database import utcnow
from ..extensions import db
from ..org.models import Unit
from ..org.service import active_units
from ..survey.service import latest_release

WEEKS = 12


@dataclass
class UnitActivity:
    unit: Unit
    weekly: list[int] = field(default_factory=list)  # published cards per week, oldest first
    total: int = 0
    first_card: datetime | None = None
    games: int = 0
    running: str | None = None
    winners: list[str] = field(default_factory=list)
    rc_index: object = None  # the latest closed staff wave's released overall Figure (possibly withheld), or None
    rc_suspect: bool = False  # that wave had more answers than people invited


def week_starts(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The starts of the last `weeks` seven-day periods ending now, oldest first."""
    return [now - timedelta(days=7 * (weeks - i)) for i in range(weeks)]


def activity(now: datetime | None = None) -> list[UnitActivity]:
    """Every unit's spread figures, the most active first."""
    now = now or utcnow()
    starts = week_starts(now)
    result = []
    for unit in active_units():
        times = list(db.session.scalars(published_cards().with_only_columns(Card.published_at).where(
            Card.unit_id == unit.id, Card.published_at >= starts[0])))
        row = UnitActivity(unit=unit, weekly=[sum(1 for t in times if s <= t < s + timedelta(days=7)) for s in starts])
        row.total = db.session.scalar(select(func.count()).select_from(
            published_cards().where(Card.unit_id == unit.id).subquery()))
        row.first_card = db.session.scalar(select(func.min(Card.published_at)).where(
            Card.unit_id == unit.id, Card.published_at.is_not(None)))
        games = list(db.session.scalars(select(Game).where(Game.unit_id == unit.id).order_by(Game.id)))
        row.games = len(games)
        row.running = next((g.title for g in reversed(games) if g.state in (GameState.RUNNING, GameState.WON)), None)
        row.winners = [w.workgroup.name for rank, w in announced_wins([unit.id]) if rank == 1]
        released = latest_release(unit)
        if released is not None:
            row.rc_index, row.rc_suspect = released.figures.overall, released.suspect
        result.append(row)
    return sorted(result, key=lambda r: (-r.total, r.unit.name))
