"""The facts behind a coordinator's home, and the stories search: reads only, from the domains that own them."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, false, func, or_, select

from .. import zones
from ..board import service as board
from ..board.models import Game
from ..board.rules import announced
from ..cards import service as cards
from ..cards.models import Card, CardDimension, CardStatus, Nominee
from ..extensions import db
from ..i18n import translated
from ..newsletter import service as newsletter
from ..newsletter.rules import A_COLLEAGUE
from ..org.models import Unit
from ..org.service import folded
from ..rc import DIMENSION_KEYS, N_
from ..survey import service as survey
from ..survey.models import Wave
from . import rules


@dataclass
class UnitAttention:
    """One unit on a coordinator's home: what needs attention there, and what the lines name."""

    unit: Unit
    lines: list[rules.Line]
    month: date                                    # this month on the unit's clocks (its newsletter)
    game: Game | None = None
    workgroup_names: dict[int, str] = field(default_factory=dict)  # the counting game's, and those of wins to confirm
    waves: dict[int, Wave] = field(default_factory=dict)


def attention(units: list[tuple[Unit, frozenset[str]]], now: datetime) -> list[UnitAttention]:
    """For each unit (with the kinds of line its person handles there), what needs attention now.

    A handful of queries whatever the number of units."""
    ids = [unit.id for unit, _kinds in units]
    waiting = cards.waiting_by_unit(ids)
    published = cards.last_published_by_unit(ids)
    races = board.races(ids, now)
    to_confirm = board.wins_to_confirm(ids)
    waves: dict[int, list[tuple[Wave, int, int]]] = {}
    for wave, invited, answered in survey.open_waves(ids):
        waves.setdefault(wave.unit_id, []).append((wave, invited, answered))
    months = {unit.id: zones.today(now, unit.timezone).replace(day=1) for unit, _kinds in units}
    issues = newsletter.month_issues(months)
    result = []
    for unit, kinds in units:
        queue = waiting.get(unit.id, cards.Waiting())
        game, progress, won = races.get(unit.id, (None, {}, set()))
        issue = issues.get(unit.id)
        facts = rules.UnitFacts(
            held=queue.held, oldest_held=queue.oldest_held, waiting=queue.others, oldest_waiting=queue.oldest_other,
            last_card=rules.latest(published.get(unit.id), queue.newest),
            game=game.id if game else None, progress=progress, won=won,
            winners=tuple(w.workgroup_id for w in announced(game.wins).winners) if game else (),
            to_confirm=[(w.game_id, w.workgroup_id) for w in to_confirm.get(unit.id, [])],
            waves=[(w.id, invited, answered) for w, invited, answered in waves.get(unit.id, [])],
            issue=(issue.id, issue.published_at is not None) if issue else None)
        result.append(UnitAttention(
            unit=unit, lines=rules.lines(facts, now, kinds), month=months[unit.id], game=game,
            workgroup_names=({w.id: w.name for w in game.workgroups} if game else {})
            | {w.workgroup_id: w.workgroup.name for w in to_confirm.get(unit.id, [])},
            waves={w.id: w for w, _i, _a in waves.get(unit.id, [])}))
    return result


# --- the stories search -----------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """A stories search as the coordinator set it; every field optional."""

    unit_id: int | None = None
    workgroup_id: int | None = None      # the writer's workgroup or a recognised one
    dimension: str | None = None
    status: str | None = None            # a CardStatus value, or "held" (waiting, held for patient information)
    written_from: date | None = None     # on the unit's clocks
    written_to: date | None = None
    words: str = ""


# The statuses a search may ask for, with their labels (N_-marked, shown with `tr`).
STATUSES = {"held": N_("held for patient information"), **{s.value: s.label for s in CardStatus}}


def search_query(filters: Filters, units: list[Unit], full: set[int]) -> Select:
    """The cards of `units` that match, newest first. In the units of `full` every card is found; in the others
    (where the person only edits the newsletter) only published cards whose writers agreed to sharing."""
    shared = [u.id for u in units if u.id not in full]
    query = select(Card).where(or_(
        Card.unit_id.in_(full) if full else false(),
        and_(Card.unit_id.in_(shared), Card.status == CardStatus.PUBLISHED, Card.consent_publish.is_(True))))
    if filters.unit_id is not None:
        query = query.where(Card.unit_id == filters.unit_id)
        units = [u for u in units if u.id == filters.unit_id]
    if filters.workgroup_id is not None:
        query = query.where(or_(Card.nominator_workgroup_id == filters.workgroup_id, exists().where(
            Nominee.card_id == Card.id, Nominee.workgroup_id == filters.workgroup_id)))
    if filters.dimension in DIMENSION_KEYS:
        query = query.where(exists().where(CardDimension.card_id == Card.id,
                                           CardDimension.dimension == filters.dimension))
    if filters.status == "held":
        query = query.where(Card.status == CardStatus.SUBMITTED, Card.flagged.is_(True))
    elif filters.status in STATUSES:
        query = query.where(Card.status == CardStatus(filters.status))
    if filters.written_from or filters.written_to:
        # Each unit's days run midnight to midnight on its own clocks.
        per_unit = []
        for unit in units:
            start, end = zones.days(filters.written_from, filters.written_to, unit.timezone)
            bounds = [Card.unit_id == unit.id]
            bounds += [Card.created_at >= start] if start else []
            bounds += [Card.created_at < end] if end else []
            per_unit.append(and_(*bounds))
        query = query.where(or_(*per_unit) if per_unit else false())
    for word in rules.words(folded(filters.words)):  # case and accents set aside, as in Card.search_text
        query = query.where(Card.search_text.like(rules.like_pattern(word), escape="\\"))
    return query.order_by(Card.created_at.desc(), Card.id.desc())


def search(filters: Filters, units: list[Unit], full: set[int], page: int) -> tuple[list[Card], int]:
    """One page of the matching cards, and how many match in all."""
    query = search_query(filters, units, full)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    found = db.session.scalars(query.limit(rules.PER_PAGE).offset((page - 1) * rules.PER_PAGE))
    return list(found), total


CSV_HEADER = ["id", "unit", "written_at", "status", "published_at", "writer", "writer_workgroup", "nominees",
              "nominee_workgroups", "dimensions", "practice", "story", "may_publish", "show_writer", "flagged",
              "transcribed"]


def csv_rows(filters: Filters, units: list[Unit], full: set[int]):
    """Every matching card as a row of CSV_HEADER; times on its unit's clocks, with the offset (ISO 8601)."""
    for card in db.session.scalars(search_query(filters, units, full)):
        zone = card.unit.timezone
        yield [card.id, card.unit.key, zones.iso(card.created_at, zone), card.status.value,
               zones.iso(card.published_at, zone) if card.published_at else "", translated(writer(card, full)),
               card.nominator_workgroup.name, "; ".join(n.name for n in card.nominees),
               "; ".join(n.workgroup.name for n in card.nominees), " ".join(card.dimensions_in_order),
               card.practice, card.story, card.consent_publish, card.show_nominator_name, card.flagged,
               card.transcribed_by_id is not None]


def writer(card: Card, full: set[int]) -> str:
    """The writer's name; "a colleague" where the person only edits and the writer asked not to be named."""
    return card.nominator_name if card.unit_id in full or card.show_nominator_name else A_COLLEAGUE
