"""The board's rules as plain functions: which squares are covered, how far each workgroup is, who has won."""

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from ..rc import DIMENSION_KEYS

SQUARES = len(DIMENSION_KEYS)


@dataclass(frozen=True)
class CreditRow:
    """One covered square: `seq` is the order in which it counted; one card's credits have consecutive seqs."""

    seq: int
    card_id: int
    workgroup: int
    dimension: str


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
