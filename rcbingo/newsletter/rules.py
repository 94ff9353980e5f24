"""What a month's newsletter contains: plain functions of plain data."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from ..rc import DIMENSION_KEYS, N_

GROUPINGS = ("dimension", "workgroup")
A_COLLEAGUE = N_("a colleague")


@dataclass(frozen=True)
class StoryCard:
    """What the rules need to know of a card."""

    id: int
    status: str
    consent_publish: bool
    published_at: datetime | None
    unit_id: int
    nominator_name: str
    show_nominator_name: bool
    nominator_workgroup: int
    nominee_workgroups: tuple[int, ...]
    nominee_names: tuple[str, ...]
    dimensions: tuple[str, ...]


def month_bounds(year: int, month: int, timezone: str) -> tuple[datetime, datetime]:
    """The first and the first-after-last instant of a calendar month in a unit's time zone, in UTC."""
    zone = ZoneInfo(timezone)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


class Played(Protocol):
    """A game as the newsletter reads it (board.models.Game is one): when it started (None: not yet) and ended."""

    starts_at: datetime | None
    ends_at: datetime | None


def games_of_month(games: list[Played], start: datetime, end: datetime) -> list[Played]:
    """The games a month's issue shows: those that ran during the month (started before its end, not ended before
    its start), in the order they started. Each is shown as it stood at the month's end (board.rules.squares_at),
    or when it ended, if earlier; a game started after the month, today's say, is not the month's."""
    ran = [g for g in games if g.starts_at is not None and g.starts_at < end
           and (g.ends_at is None or g.ends_at > start)]
    return sorted(ran, key=lambda g: g.starts_at)


def board_moment(start: datetime, end: datetime, now: datetime) -> datetime:
    """The moment a month's boards are shown at: the month's end, or now while the month runs."""
    return max(start, min(end, now))


# The words a month may be written with, besides its name: "11 2026", "11/2026", "2026-11", "Nov. 2026",
# "noviembre de 2026".
FILLERS = {"of", "de", "del"}


def parse_month(typed: str, names: dict[str, int]) -> tuple[int, int] | None:
    """The (year, month) a person meant, or None when it cannot be read as one month of 2000-2099.

    A month is a number (1-12) or a name from `names` (lower-case full names and abbreviations, in any language the
    caller reads; three or more letters of one name are enough), a year has four digits, in either order, apart by
    anything that is not a letter or digit.
    """
    words = [w for w in re.findall(r"[^\W\d_]+|\d+", typed.casefold()) if w not in FILLERS]
    if len(words) != 2:
        return None
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    if len(years) != 1 or not 2000 <= int(years[0]) <= 2099:
        return None
    other = words[1] if words[0] == years[0] else words[0]
    if other.isdigit():
        month = int(other) if len(other) <= 2 else 0
    else:
        found = {number for name, number in names.items()
                 if name == other or (len(other) >= 3 and name.startswith(other))}
        month = found.pop() if len(found) == 1 else 0
    return (int(years[0]), month) if 1 <= month <= 12 else None


def in_issue(card: StoryCard, start: datetime, end: datetime) -> bool:
    """A story goes in a month's issue when it was published that month and its writer agreed to publication.

    Cards waiting for review, rejected or withdrawn never appear.
    """
    return (card.status == "published" and card.consent_publish and card.published_at is not None
            and start <= card.published_at < end)


def writer(card: StoryCard) -> str:
    """The writer as the newsletter names them: their name, or "a colleague" when they asked not to be named."""
    return card.nominator_name if card.show_nominator_name else A_COLLEAGUE


def group_key(card: StoryCard, grouping: str) -> str | int:
    """Where a story sits: under its first ticked dimension, or under its first recognised workgroup."""
    if grouping == "workgroup":
        others = [w for w in card.nominee_workgroups if w != card.nominator_workgroup]
        return (others or list(card.nominee_workgroups))[0]
    return next(d for d in DIMENSION_KEYS if d in card.dimensions)


@dataclass(frozen=True)
class Figures:
    cards: int
    people_recognised: int
    cross_profession_pairs: int
    workgroups_recognised: tuple[int, ...]
    workgroups_not_recognised: tuple[int, ...]
    dimensions: dict[str, int]


def figures(cards: list[StoryCard], workgroups: list[int]) -> Figures:
    """The month's figures over every counted card (consent to publish a story is not needed to be counted)."""
    recognised = {w for c in cards for w in c.nominee_workgroups if w != c.nominator_workgroup}
    people = {name.strip().lower() for c in cards for name in c.nominee_names}
    pairs = {(c.nominator_workgroup, w) for c in cards for w in c.nominee_workgroups if w != c.nominator_workgroup}
    per_dimension: dict[str, int] = defaultdict(int)
    for card in cards:
        for dimension in card.dimensions:
            per_dimension[dimension] += 1
    return Figures(
        cards=len(cards), people_recognised=len(people), cross_profession_pairs=len(pairs),
        workgroups_recognised=tuple(w for w in workgroups if w in recognised),
        workgroups_not_recognised=tuple(w for w in workgroups if w not in recognised),
        dimensions={d: per_dimension.get(d, 0) for d in DIMENSION_KEYS})


def swap_partner(left_out: list[bool], index: int, step: int) -> int | None:
    """Where a story in the editor's list moves (step -1: up, +1: down): the next story in that direction that is in
    the issue as this one is (a story in the issue passes over left-out ones, whose place nobody sees), or None."""
    other = index + step
    while 0 <= other < len(left_out) and left_out[other] != left_out[index]:
        other += step
    return other if 0 <= other < len(left_out) else None
