"""The organization view's scale: one for every unit, a round number at or above the busiest week."""

import pytest

from rcbingo.spread.rules import Scale, scale


@pytest.mark.parametrize(("counts", "top"), [([], 1), ([0, 0], 1), ([1], 1), ([3], 5), ([4, 7], 10), ([11], 20),
                                             ([20], 20), ([21], 50), ([51], 100), ([340], 500)])
def test_the_scale_tops_at_the_next_round_number(counts, top):
    assert scale(counts).top == top


def test_bars_compare_across_units_on_one_scale():
    shared = Scale(10)
    assert shared.height(5, 30) == 15 and shared.height(10, 30) == 30 and shared.height(0, 30) == 0
    assert shared.middle == 5 and Scale(5).middle is None
