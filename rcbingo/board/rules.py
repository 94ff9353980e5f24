"""The board's rules as plain functions: which squares are covered, how far each workgroup is, who has won."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Protocol

from ..rc import DIMENSION_KEYS

SQUARES = len(DIMENSION_KEYS)


@dataclass(frozen=True)
class CreditRow:
    """One covered square: `seq` is the order in which it counted; one card's credits have consecutive seqs;
    `published_at` is when its card was published (what the board looked like at a moment: squares_at)."""

    seq: int
    card_id: int
    workgroup: int
    dimension: str
    published_at: datetime | None = None


@dataclass(frozen=True)
class Place:
    """A finishing place: the workgroups a single card completed together (more than one is a joint win)."""

    place: int
    card_id: int
    workgroups: frozenset[int]


def grid(credits: list[CreditRow]) -> dict[tuple[int, str], list[int]]:
    """Each covered (workgroup, dimension) square, with the cards covering it in the order they counted."""
    squares: dict[tuple[int, str], list[int]] = defaultdict(list)
    for credit in sorted(credits, key=lambda c: c.seq):
        cards = squares[(credit.workgroup, credit.dimension)]
        if credit.card_id not in cards:
            cards.append(credit.card_id)
    return dict(squares)


def squares_at(credits: list[CreditRow], moment: datetime) -> dict[tuple[int, str], int]:
    """The board as it stood at `moment`: how many cards published before it cover each square (a card withdrawn
    since has no credits left, so it counts for nothing, then as now)."""
    squares: dict[tuple[int, str], set[int]] = defaultdict(set)
    for credit in credits:
        if credit.published_at is not None and credit.published_at < moment:
            squares[(credit.workgroup, credit.dimension)].add(credit.card_id)
    return {square: len(cards) for square, cards in squares.items()}


def progress(credits: list[CreditRow], workgroups: list[int]) -> dict[int, int]:
    """How many of the seven squares each workgroup has covered."""
    covered = {(c.workgroup, c.dimension) for c in credits}
    return {w: sum((w, d) in covered for d in DIMENSION_KEYS) for w in workgroups}


def completed(credits: list[CreditRow], workgroups: list[int]) -> set[int]:
    """The workgroups with all seven squares covered."""
    return {w for w, count in progress(credits, workgroups).items() if count == SQUARES}


def places(credits: list[CreditRow], workgroups: list[int]) -> list[Place]:
    """Every workgroup that completed the board, in the order it did.

    Credits are replayed in the order they counted (their seq: publication order, then card order).
    The first card after which a workgroup has all seven squares completes it; when one card completes
    several workgroups at once they share that place (a joint win). The first place is the winner.
    """
    covered: dict[int, set[str]] = defaultdict(set)
    finished: set[int] = set()
    result: list[Place] = []
    participating = set(workgroups)
    ordered = sorted((c for c in credits if c.workgroup in participating), key=lambda c: c.seq)
    for card_id, card_credits in groupby(ordered, key=lambda c: c.card_id):
        for credit in card_credits:
            covered[credit.workgroup].add(credit.dimension)
        now_done = {w for w, dims in covered.items() if len(dims) == SQUARES} - finished
        if now_done:
            result.append(Place(len(result) + 1, card_id, frozenset(now_done)))
            finished |= now_done
    return result


class Decided(Protocol):
    """A declared win as the announcement reads it (board.models.Win is one)."""

    place: int
    confirmed: bool
    revoked: bool


@dataclass(frozen=True)
class Ranked:
    """An announced place: `rank` counts announced places only (1 is the winner, 2 the next announced…), so a
    withdrawn or declined finisher leaves no gap; `wins` are the workgroups one card completed together."""

    rank: int
    wins: list


@dataclass(frozen=True)
class Announcement:
    """What every surface says of a game's wins (board, wall, games pages, API, newsletter, organization view):
    `ranked` (the places announced, in rank order), `checking` (wins being checked by a coordinator: "Bingo! Being
    checked"), and from them `winners` (rank 1), `runners_up` (later ranks) and whether the game is `won`."""

    ranked: list[Ranked]
    checking: list

    @property
    def winners(self) -> list:
        return self.ranked[0].wins if self.ranked else []

    @property
    def runners_up(self) -> list:
        return [w for place in self.ranked[1:] for w in place.wins]

    @property
    def won(self) -> bool:
        """A game is won once a place is announced, never because a later finisher was confirmed alone."""
        return bool(self.ranked)

    def rank_of(self, win) -> int | None:
        """The announced rank of one win, or None when it is not announced."""
        return next((place.rank for place in self.ranked if any(w is win for w in place.wins)), None)


def announced(wins: list[Decided]) -> Announcement:
    """Which declared wins are announced, in what rank: the one rule every surface reads (nothing else interprets a
    win's `place` or `confirmed_at` for display).

    Places stay as they were counted (the order credits counted, places(), under the game's lock): confirming a
    later finisher never moves it ahead of an earlier one. A revoked win is gone (a later place can then be first).
    A place is announced once it is confirmed and every earlier place is decided: while an earlier finisher is being
    checked, a later one, even confirmed, waits, so it is never shown as the winner because the first is unconfirmed.
    Announced places are ranked 1, 2… in their order, without the gaps that revoked or dropped places leave.
    Every unconfirmed win is shown as being checked.
    """
    live = sorted((w for w in wins if not w.revoked), key=lambda w: w.place)
    ranked: list[Ranked] = []
    for _place, group in groupby(live, key=lambda w: w.place):
        group = list(group)
        if not all(w.confirmed for w in group):
            break
        ranked.append(Ranked(len(ranked) + 1, group))
    return Announcement(ranked=ranked, checking=[w for w in live if not w.confirmed])


def workgroups_to_tick(previous: list[int] | None, active: list[int]) -> list[int]:
    """The workgroups a new game's form offers ticked: those of the unit's previous game, or, for its first game
    (`previous` None), every active workgroup (a unit's first round usually has everyone play)."""
    return list(previous) if previous is not None else list(active)
