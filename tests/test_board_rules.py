"""The board's rules as plain functions, with properties over any order of cards."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcbingo.board.rules import CreditRow, Place, announced, completed, grid, places, progress
from rcbingo.rc import DIMENSION_KEYS

NURSES, PHARMACISTS, REHAB = 1, 2, 3


def card(seq_start: int, card_id: int, squares: list[tuple[int, str]]) -> list[CreditRow]:
    """One card's credits, counted one after another from seq_start."""
    return [CreditRow(seq_start + i, card_id, w, d) for i, (w, d) in enumerate(squares)]


def all_seven(workgroup: int) -> list[tuple[int, str]]:
    return [(workgroup, d) for d in DIMENSION_KEYS]


def test_a_square_is_covered_by_every_card_that_credits_it_in_order():
    credits = card(1, 10, [(NURSES, "timely")]) + card(2, 11, [(NURSES, "timely"), (NURSES, "accurate")])
    assert grid(credits) == {(NURSES, "timely"): [10, 11], (NURSES, "accurate"): [11]}


@pytest.mark.parametrize(("previous", "ticked"), [(None, [1, 2, 3]), ([2, 3], [2, 3]), ([], [])])
def test_a_units_first_game_offers_every_workgroup_and_later_ones_the_last_games(previous, ticked):
    from rcbingo.board.rules import workgroups_to_tick

    assert workgroups_to_tick(previous, [1, 2, 3]) == ticked


def test_progress_counts_distinct_dimensions_per_workgroup():
    credits = card(1, 10, [(NURSES, "timely"), (NURSES, "timely"), (REHAB, "frequent")])
    assert progress(credits, [NURSES, REHAB, PHARMACISTS]) == {NURSES: 1, REHAB: 1, PHARMACISTS: 0}


def test_the_first_workgroup_to_cover_seven_wins():
    credits = card(1, 10, all_seven(REHAB)[:6]) + card(7, 11, all_seven(NURSES)) + card(14, 12, all_seven(REHAB)[6:])
    assert places(credits, [NURSES, REHAB]) == [Place(1, 11, frozenset({NURSES})), Place(2, 12, frozenset({REHAB}))]


def test_one_card_completing_two_workgroups_is_a_joint_win():
    before = card(1, 10, all_seven(NURSES)[:6] + all_seven(REHAB)[:6])
    last = card(13, 11, [(NURSES, DIMENSION_KEYS[6]), (REHAB, DIMENSION_KEYS[6])])
    assert places(before + last, [NURSES, REHAB]) == [Place(1, 11, frozenset({NURSES, REHAB}))]


def test_credit_for_a_workgroup_outside_the_game_is_ignored():
    credits = card(1, 10, all_seven(PHARMACISTS))
    assert places(credits, [NURSES]) == [] and completed(credits, [NURSES]) == set()


def test_nobody_wins_with_six_of_seven():
    assert places(card(1, 10, all_seven(NURSES)[:6]), [NURSES]) == []


squares = st.tuples(st.sampled_from([NURSES, PHARMACISTS, REHAB]), st.sampled_from(DIMENSION_KEYS))
cards = st.lists(st.lists(squares, min_size=1, max_size=6), max_size=40)


def replay(card_squares: list[list[tuple[int, str]]]) -> list[CreditRow]:
    credits, seq = [], 0
    for card_id, squares_of_card in enumerate(card_squares):
        credits += card(seq + 1, card_id, squares_of_card)
        seq += len(squares_of_card)
    return credits


@given(cards, cards)
def test_a_further_card_never_uncovers_a_square(first, later):
    before, after = replay(first), replay(first + later)
    assert set(grid(before)) <= set(grid(after))
    for workgroup, count in progress(before, [NURSES, PHARMACISTS, REHAB]).items():
        assert progress(after, [NURSES, PHARMACISTS, REHAB])[workgroup] >= count


@given(cards, cards)
def test_a_declared_winner_never_changes_when_later_cards_arrive(first, later):
    workgroups = [NURSES, PHARMACISTS, REHAB]
    before = places(replay(first), workgroups)
    after = places(replay(first + later), workgroups)
    assert after[:len(before)] == before


@given(cards)
def test_every_complete_workgroup_has_exactly_one_place(card_squares):
    workgroups = [NURSES, PHARMACISTS, REHAB]
    credits = replay(card_squares)
    finishers = [w for p in places(credits, workgroups) for w in p.workgroups]
    assert sorted(finishers) == sorted(completed(credits, workgroups))


@given(st.permutations([all_seven(NURSES), all_seven(REHAB), all_seven(PHARMACISTS)]))
def test_arrival_order_decides_who_wins(order):
    result = places(replay(order), [NURSES, PHARMACISTS, REHAB])
    assert [next(iter(p.workgroups)) for p in result] == [squares_of_card[0][0] for squares_of_card in order]


# --- which declared wins a board announces (confirmed wins) ---------------------------------------------------------

class W:
    """A declared win as the announcement reads it: place, confirmed, revoked; named by its workgroup."""

    def __init__(self, text: str):  # "1P+" place 1, pharmacists, confirmed; "-" pending; "x" revoked
        self.place, self.workgroup, state = int(text[0]), text[1], text[2]
        self.confirmed, self.revoked = state == "+", state == "x"


def said(wins: str):
    result = announced([W(t) for t in wins.split()])
    return tuple("".join(w.workgroup for w in part) for part in (result.winners, result.runners_up, result.checking))


@pytest.mark.parametrize(("wins", "winners", "runners_up", "checking"), [
    ("", "", "", ""),
    ("1P-", "", "", "P"),                        # one card completed a board: being checked, nobody has won yet
    ("1P+", "P", "", ""),
    ("1P+ 1R+", "PR", "", ""),                    # one card completed two: a joint win
    ("1P- 2R+", "", "", "P"),                     # the second, confirmed, is not first while the first is checked
    ("1P- 2R-", "", "", "PR"),
    ("1P+ 2R-", "P", "", "R"),
    ("1Px 2R+", "R", "", ""),                     # the first declined: the next finisher is the winner
    ("1Px 2R-", "", "", "R"),
    ("1P+ 2R+ 3N+", "P", "RN", ""),
    ("1P+ 2R- 3N+", "P", "", "R"),                # the third waits for the second's check: places stay in order
    ("2R+ 1P+", "P", "R", ""),                    # in any order given
])
def test_a_place_is_announced_once_confirmed_and_every_earlier_place_is_decided(wins, winners, runners_up, checking):
    assert said(wins) == (winners, runners_up, checking)


@pytest.mark.parametrize(("wins", "ranks", "won"), [
    ("", "", False),
    ("1P- 2R+", "", False),                       # a later finisher confirmed alone: the game is not won yet
    ("1Px 2R+ 3N- 4C+", "R1", True),              # the first withdrawn: the next is first (rank 1, not place 2)
    ("1Px 2R+ 3N+ 4C+", "R1 N2 C3", True),        # ranks count announced places, without gaps
    ("1P+ 1R+ 2N+", "P1 R1 N2", True),            # a joint win shares its rank
])
def test_announced_places_are_ranked_without_gaps_and_the_game_is_won_once_one_is(wins, ranks, won):
    result = announced([W(t) for t in wins.split()])
    assert " ".join(f"{w.workgroup}{place.rank}" for place in result.ranked for w in place.wins) == ranks
    assert result.won is won
    assert [result.rank_of(w) for w in result.winners] == [1] * len(result.winners)


def test_the_board_at_a_moment_counts_only_cards_published_before_it():
    from datetime import UTC, datetime

    from rcbingo.board.rules import squares_at

    def at(day):
        return datetime(2026, 11, day, 12, tzinfo=UTC)

    credits = [CreditRow(1, 10, NURSES, "timely", at(3)), CreditRow(2, 10, NURSES, "accurate", at(3)),
               CreditRow(3, 11, NURSES, "timely", at(20)), CreditRow(4, 12, REHAB, "frequent", at(28))]
    assert squares_at(credits, at(1)) == {}
    assert squares_at(credits, at(20)) == {(NURSES, "timely"): 1, (NURSES, "accurate"): 1}
    assert squares_at(credits, at(21)) == {(NURSES, "timely"): 2, (NURSES, "accurate"): 1}
    assert squares_at(credits, at(29))[(REHAB, "frequent")] == 1
