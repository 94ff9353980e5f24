"""The RC survey's scoring rules and CSV reading as plain functions, with a hand-computed example and properties."""

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcbingo.rc import DIMENSION_KEYS
from rcbingo.survey.csvfile import HeaderError, Problem, read_responses, score_csv
from rcbingo.survey.rules import (
    Figure,
    Response,
    Withheld,
    as_json,
    band,
    change_interval,
    compare,
    meaningful,
    rating_score,
    score,
    suspect,
    uncounted,
    usable,
    weakest,
)

_ = None
NURSES, PHARMACISTS, REHAB = "Nurses", "Pharmacists", "Rehab"
HEADER = ["respondent", "rater_workgroup", "target_workgroup", *DIMENSION_KEYS]


def rating(respondent: str, rater: str, target: str, *answers: int | None) -> Response:
    """One rating, the answers in dimension order: shared_goals … problem_solving."""
    return Response(respondent, rater, target, dict(zip(DIMENSION_KEYS, answers, strict=True)))


def d(text: str) -> Decimal:
    return Decimal(text)


# The hand-computed example, scored with min_respondents=3. Columns: goals knowledge respect frequent timely
# accurate problem_solving.
EXAMPLE = [
    rating("n1", NURSES, PHARMACISTS, 4, 4, 4, 4, 4, 4, 4),  # 28/7 = 4
    rating("n1", NURSES, REHAB, 3, 3, 3, 3, _, _, _),  # 4 answered: 12/4 = 3
    rating("n1", NURSES, NURSES, 5, 5, 5, 5, 5, 5, 5),  # within-group: 5, in no index
    rating("n2", NURSES, PHARMACISTS, 5, 4, _, 4, _, 3, _),  # 16/4 = 4
    rating("n2", NURSES, REHAB, 2, 2, 2, _, _, _, _),  # 3 answered: dropped
    rating("n2", NURSES, NURSES, 4, 4, 4, 4, _, _, _),  # within-group: 4
    rating("n3", NURSES, PHARMACISTS, 3, 3, 3, 3, 3, 3, _),  # 18/6 = 3
    rating("n3", NURSES, REHAB, 4, 5, 4, 5, _, _, _),  # 18/4 = 4.5
    rating("n3", NURSES, NURSES, 3, 3, 3, 3, 3, 3, 3),  # within-group: 3
    rating("p1", PHARMACISTS, NURSES, 4, 4, 4, 4, 4, 4, 4),  # 4
    rating("p1", PHARMACISTS, REHAB, 5, 5, 5, 5, 5, 5, 5),  # 5
    rating("p2", PHARMACISTS, NURSES, 3, _, 3, _, 3, _, 3),  # 12/4 = 3
    rating("p3", PHARMACISTS, NURSES, 5, 5, 4, 4, _, _, _),  # 18/4 = 4.5
    rating("p3", PHARMACISTS, PHARMACISTS, 1, 1, 1, 1, 1, 1, 1),  # within-group: 1
    rating("h1", REHAB, NURSES, 2, 2, 2, 2, 2, 2, 2),  # 2      } Rehab: 2 respondents < 3, hidden
    rating("h1", REHAB, PHARMACISTS, 1, 2, 1, 2, _, _, _),  # 1.5 }
    rating("h2", REHAB, NURSES, 3, 3, 3, 3, 3, 3, 3),  # 3        }
]


def test_the_hand_computed_example():
    figures = score(EXAMPLE, min_respondents=3)
    # Respondent indices (between-group only): n1 (4 + 3)/2 = 3.5; n2 4 (its Rehab rating dropped);
    # n3 (3 + 4.5)/2 = 3.75; p1 (4 + 5)/2 = 4.5; p2 3; p3 4.5 (its own-group 1 left out); h1 1.75; h2 3.
    # Nurses (3.5 + 4 + 3.75)/3 = 11.25/3 = 3.75; Pharmacists (4.5 + 3 + 4.5)/3 = 12/3 = 4.00 (moderate, the edge);
    # Rehab (1.75 + 3)/2 = 2.375 rests on 2 respondents: hidden.
    assert figures.workgroups == {
        NURSES: Figure(d("3.75"), 3),
        PHARMACISTS: Figure(d("4.00"), 3),
        REHAB: Figure(),
    }
    assert [figures.workgroups[w].band for w in (NURSES, PHARMACISTS, REHAB)] == ["moderate", "moderate", None]
    # Overall over the shown groups' six respondents only: (3.5 + 4 + 3.75 + 4.5 + 3 + 4.5)/6 = 23.25/6 = 3.875
    # → 3.88 (with Rehab's it would have been 28/8 = 3.50).
    assert figures.overall == Figure(d("3.88"), 6)
    # Rated by others, from shown groups' raters only: Nurses by p1 4, p2 3, p3 4.5 → 11.5/3 = 3.83;
    # Pharmacists by n1 4, n2 4, n3 3 → 11/3 = 3.67; Rehab by n1 3, n3 4.5, p1 5 → 12.5/3 = 4.1667 → 4.17 (strong).
    # But the pharmacists' index less the nurses' "rated by others" is 3 x 4.00 - 3 x 3.83 = 12 - 11.5 = 0.5, which is
    # p1's (5 - 4)/2 alone; and the nurses' index less the pharmacists' "rated by others", 11.25 - 11 = 0.25, rests on
    # n1 and n3 only (two people): both smaller figures are withheld.
    assert figures.rated_by_others == {
        NURSES: Figure(),
        PHARMACISTS: Figure(),
        REHAB: Figure(d("4.17"), 3),
    }
    assert figures.rated_by_others[REHAB].band == "strong"
    # Dimensions over the nine counting between-group ratings of n1, n2, n3, p1, p2, p3 (column by column):
    #   goals      4+3+5+3+4+4+5+3+5 = 36/9 = 4.00, 6 respondents
    #   knowledge  4+3+4+3+5+4+5+5   = 33/8 = 4.125 → 4.13 (half up; half-even would say 4.12), 5 respondents
    #   respect    4+3+3+4+4+5+3+4   = 30/8 = 3.75, 5 respondents (n2 left it blank)
    #   frequent   4+3+4+3+5+4+5+4   = 32/8 = 4.00, 5 respondents
    #   timely     4+3+4+5+3         = 19/5 = 3.80, n1 n3 p1 p2: 4 respondents
    #   accurate   4+3+3+4+5         = 19/5 = 3.80, n1 n2 n3 p1: 4 respondents
    #   problem    4+4+5+3           = 16/4 = 4.00, n1 p1 p2: 3 respondents
    assert figures.dimensions == {
        "shared_goals": Figure(d("4.00"), 6),
        "shared_knowledge": Figure(d("4.13"), 5),
        "mutual_respect": Figure(d("3.75"), 5),
        "frequent": Figure(d("4.00"), 5),
        "timely": Figure(d("3.80"), 4),
        "accurate": Figure(d("3.80"), 4),
        "problem_solving": Figure(d("4.00"), 3),
    }
    # Within-group, apart: Nurses (5 + 4 + 3)/3 = 4.00; Pharmacists only p3: hidden; Rehab none: hidden.
    assert figures.within_group == {NURSES: Figure(d("4.00"), 3), PHARMACISTS: Figure(), REHAB: Figure()}
    assert figures.withheld == (
        Withheld("workgroups", REHAB),
        Withheld("within_group", PHARMACISTS),
        Withheld("within_group", REHAB),
        Withheld("rated_by_others", PHARMACISTS),
        Withheld("rated_by_others", NURSES),
    )
    assert figures.pooled_over_shown_workgroups_only


@pytest.mark.parametrize(("invited", "roster", "issued", "offered"), [
    (40, 16, 0, 40),     # the wave's invited counts first
    (0, 16, 0, 16),      # else the unit's roster
    (0, 16, 10, 6),      # less the codes issued already
    (0, 16, 16, 1),      # one more slip once everyone has one
    (0, 0, 0, 10),       # nobody's number known (a family wave)
    (0, 900, 0, 500),    # at most a sheet's worth
])
def test_the_codes_page_offers_a_slip_for_each_person_not_yet_given_one(invited, roster, issued, offered):
    from rcbingo.survey.rules import codes_to_offer

    assert codes_to_offer(invited, roster, issued, 500) == offered


def test_the_example_as_json():
    report = as_json(score(EXAMPLE, min_respondents=3))
    assert report["workgroups"] == {
        NURSES: {"index": "3.75", "respondents": 3, "band": "moderate"},
        PHARMACISTS: {"index": "4.00", "respondents": 3, "band": "moderate"},
        REHAB: {"hidden": True},
    }
    assert report["overall"] == {"index": "3.88", "respondents": 6, "band": "moderate"}
    assert report["rated_by_others"][REHAB] == {"mean": "4.17", "respondents": 3, "band": "strong"}
    assert report["dimensions"]["shared_knowledge"] == {"mean": "4.13", "respondents": 5, "band": "strong"}
    assert report["within_group"] == {
        NURSES: {"mean": "4.00", "respondents": 3, "band": "moderate"},
        PHARMACISTS: {"hidden": True},
        REHAB: {"hidden": True},
    }
    assert report["withheld"] == [
        {"section": "workgroups", "key": REHAB},
        {"section": "within_group", "key": PHARMACISTS},
        {"section": "within_group", "key": REHAB},
        {"section": "rated_by_others", "key": PHARMACISTS},
        {"section": "rated_by_others", "key": NURSES},
    ]
    assert report["min_respondents"] == 3 and report["pooled_over_shown_workgroups_only"] is True
    assert json.loads(json.dumps(report)) == report


def test_a_rating_counts_with_four_answers_and_is_dropped_with_three():
    assert rating_score(rating("x", NURSES, REHAB, 1, 2, 3, 5, _, _, _)) == Fraction(11, 4)
    assert rating_score(rating("x", NURSES, REHAB, 1, 2, 3, _, _, _, _)) is None
    assert rating_score(Response("x", NURSES, REHAB, {})) is None


def test_a_respondent_whose_ratings_all_drop_has_no_index_and_is_not_counted():
    three_who_count = [rating(f"n{i}", NURSES, REHAB, 4, 4, 4, 4, _, _, _) for i in range(3)]
    one_who_does_not = [
        rating("n9", NURSES, REHAB, 1, 1, 1, _, _, _, _),
        rating("n9", NURSES, NURSES, 1, 1, 1, 1, 1, 1, 1),
    ]
    assert score(three_who_count + one_who_does_not, 3).workgroups[NURSES] == Figure(d("4.00"), 3)


def test_an_exact_halfway_mean_rounds_up_even_through_sevenths():
    # Indices 5/2, 25/7, 33/7, 33/7: mean exactly 31/8 = 3.875, reported 3.88.
    group = [
        rating("a1", NURSES, REHAB, 2, 3, 2, 3, _, _, _),  # 10/4 = 5/2
        rating("a2", NURSES, REHAB, 4, 4, 4, 4, 3, 3, 3),  # 25/7
        rating("a3", NURSES, REHAB, 5, 5, 5, 5, 5, 4, 4),  # 33/7
        rating("a4", NURSES, REHAB, 5, 5, 5, 5, 5, 4, 4),  # 33/7
    ]
    assert score(group, 3).workgroups[NURSES].value == d("3.88")
    # Decimal division rounds 25/7 and 33/7 to 28 digits; summed in the respondents' order, the mean lands just
    # under the half, 3.874999…998, and rounds to 3.87.
    early = sum([Decimal("2.5"), *(Decimal(n) / 7 for n in (25, 33, 33))])
    assert (early / 4).quantize(d("0.01"), ROUND_HALF_UP) == d("3.87")


# Anonymity


def test_a_hidden_group_is_left_out_of_every_pooled_figure():
    figures = score(EXAMPLE, min_respondents=3)
    without_rehab = score([r for r in EXAMPLE if r.rater_workgroup != REHAB], min_respondents=3)
    assert figures.overall == without_rehab.overall
    assert figures.dimensions == without_rehab.dimensions
    assert figures.rated_by_others == without_rehab.rated_by_others
    # So the overall is the respondent-weighted mean of the shown groups: (3 x 3.75 + 3 x 4.00)/6 = 3.875 → 3.88.
    nurses, pharmacists = figures.workgroups[NURSES], figures.workgroups[PHARMACISTS]
    assert figures.overall == Figure(d("3.88"), nurses.respondents + pharmacists.respondents)


def test_a_hidden_groups_numbers_appear_nowhere_in_the_json():
    report = as_json(score(EXAMPLE, min_respondents=3))
    assert report["workgroups"][REHAB] == {"hidden": True}
    text = json.dumps(report)
    # Rehab's index (1.75 + 3)/2 = 2.375 → 2.38; the overall with Rehab 28/8 = 3.50; Nurses rated by others with
    # h1's 2 and h2's 3: (4 + 3 + 4.5 + 2 + 3)/5 = 3.30; Pharmacists with h1's 1.5: (4 + 4 + 3 + 1.5)/4 = 3.125 → 3.13.
    for leak in ("2.38", "2.37", "3.50", "3.30", "3.13"):
        assert f'"{leak}"' not in text
    # And no count of Rehab's respondents: every count shown rests on at least 3.
    assert all(f["respondents"] >= 3 for f in _shown(report))


def test_a_workgroup_nobody_answered_for_looks_like_any_hidden_group():
    only_rated = [rating(f"n{i}", NURSES, REHAB, 4, 4, 4, 4, 4, 4, 4) for i in range(3)]
    report = as_json(score(only_rated, 3))
    assert report["workgroups"] == {
        NURSES: {"index": "4.00", "respondents": 3, "band": "moderate"},
        REHAB: {"hidden": True},
    }
    assert report["within_group"] == {NURSES: {"hidden": True}, REHAB: {"hidden": True}}


def test_with_every_group_hidden_nothing_pooled_is_shown():
    figures = score(EXAMPLE)  # default threshold 5: every group is under it
    assert figures.min_respondents == 5
    assert all(f.hidden for f in figures.workgroups.values())
    assert figures.overall.hidden and all(f.hidden for f in figures.dimensions.values())
    assert Withheld("overall") in figures.withheld and {"section": "overall"} in as_json(figures)["withheld"]


def test_min_respondents_may_be_raised_but_never_below_three():
    assert score(EXAMPLE, min_respondents=3).min_respondents == 3
    assert score(EXAMPLE, min_respondents=7).workgroups[NURSES].hidden
    for too_low in (2, 1, 0, -5):
        with pytest.raises(ValueError, match="at least 3"):
            score(EXAMPLE, min_respondents=too_low)
        with pytest.raises(ValueError, match="at least 3"):
            score_csv(_csv(EXAMPLE), min_respondents=too_low)
    for not_whole in (3.5, True, "5"):
        with pytest.raises(TypeError):
            score(EXAMPLE, min_respondents=not_whole)


def test_inconsistent_responses_are_refused():
    with pytest.raises(ValueError, match="1 to 5"):
        score([rating("x", NURSES, REHAB, 6, 4, 4, 4, 4, 4, 4)])
    with pytest.raises(ValueError, match="1 to 5"):
        score([Response("x", NURSES, REHAB, {"timely": 4.0})])
    with pytest.raises(ValueError, match="unknown dimension"):
        score([Response("x", NURSES, REHAB, {"timeliness": 4})])
    with pytest.raises(ValueError, match="two workgroups"):
        score([rating("x", NURSES, REHAB, *[4] * 7), rating("x", REHAB, NURSES, *[4] * 7)])
    with pytest.raises(ValueError, match="twice"):
        score([rating("x", NURSES, REHAB, *[4] * 7), rating("x", NURSES, REHAB, *[3] * 7)])
    with pytest.raises(ValueError, match="non-empty"):
        score([rating("", NURSES, REHAB, *[4] * 7)])


# Bands and changes


def test_bands_at_their_edges():
    assert band(d("3.49")) == "weak"
    assert band(d("3.50")) == "moderate"
    assert band(d("4.00")) == "moderate"
    assert band(d("4.01")) == "strong"
    assert band(d("1")) == "weak" and band(d("5")) == "strong"


def test_a_band_follows_the_figure_as_shown():
    assert band(d("3.495")) == "moderate"  # shown as 3.50
    assert band(d("4.004")) == "moderate"  # shown as 4.00


def test_a_change_of_a_tenth_is_meaningful():
    assert meaningful(d("3.20"), d("3.30"))
    assert meaningful(d("3.30"), d("3.20"))
    assert not meaningful(d("3.20"), d("3.29"))
    assert not meaningful(d("3.20"), d("3.20"))


def test_meaningful_is_judged_on_the_shown_figures():
    assert meaningful(d("3.204"), d("3.296"))  # 3.20 → 3.30, though the raw change is 0.092
    assert not meaningful(d("3.195"), d("3.294"))  # 3.20 → 3.29, though the raw change is 0.099


def test_the_float_pitfall_is_avoided():
    assert 3.30 - 3.20 < 0.10  # in floats the change of a tenth falls short: 0.0999…
    assert meaningful(d("3.20"), d("3.30"))
    with pytest.raises(TypeError):
        meaningful(3.20, 3.30)
    with pytest.raises(TypeError):
        band(3.5)


def test_the_interval_of_a_change_by_hand():
    # Before 2, 4: mean 3, s² = (1 + 1)/1 = 2, s²/n = 1. After 3, 5: mean 4, s² = 2, s²/n = 1.
    # diff 1 ± 1.96 x sqrt(2) = 1 ± 2.7719 → (-1.77, 3.77).
    assert change_interval([d("2"), d("4")], [d("3"), d("5")]) == (d("-1.77"), d("3.77"))
    # Before 2, 4 as above; after 3, 3, 3: s² = 0. diff 0 ± 1.96 x sqrt(1 + 0) → (-1.96, 1.96).
    assert change_interval([d("2"), d("4")], [d("3"), d("3"), d("3")]) == (d("-1.96"), d("1.96"))
    # Before 3.5, 4, 4.5: mean 4, s² = (0.25 + 0 + 0.25)/2 = 0.25, /3 = 1/12. After 4, 5: mean 4.5, s² = 0.5, /2 = 1/4.
    # diff 0.5 ± 1.96 x sqrt(1/3) = 0.5 ± 1.1316 → (-0.63, 1.63).
    assert change_interval([d("3.5"), d("4"), d("4.5")], [d("4"), d("5")]) == (d("-0.63"), d("1.63"))


def test_no_interval_with_fewer_than_two_respondents_in_a_wave():
    assert change_interval([d("3")], [d("3"), d("4")]) is None
    assert change_interval([d("3"), d("4")], []) is None


def test_comparing_waves_gives_the_change_and_its_interval_but_never_for_a_hidden_index():
    before = score(EXAMPLE, min_respondents=3)
    # Next wave: every nurse rates Pharmacists 5 on every item instead.
    nurses_on_pharmacists = {(NURSES, PHARMACISTS)}
    after = score(
        [
            rating(r.respondent, NURSES, PHARMACISTS, *[5] * 7)
            if (r.rater_workgroup, r.target_workgroup) in nurses_on_pharmacists
            else r
            for r in EXAMPLE
        ],
        min_respondents=3,
    )
    change = compare(before, after, NURSES)
    # Nurses' indices: before 3.5, 4, 3.75 (mean 3.75, s² = 1/16); after (5 + 3)/2 = 4, 5, (5 + 4.5)/2 = 4.75
    # (mean 55/12 = 4.5833, s² = (49 + 25 + 4)/144/2 = 13/48). diff 5/6 ± 1.96 x sqrt((3/48 + 13/48)/3) = 5/6 ± 1.96/3
    # = 0.8333 ± 0.6533 → (0.18, 1.49). The difference shown is of the shown figures: 4.58 - 3.75 = 0.83.
    assert (change.before, change.after, change.difference) == (d("3.75"), d("4.58"), d("0.83"))
    assert change.meaningful
    assert change.interval == (d("0.18"), d("1.49"))
    assert compare(before, after, REHAB) is None
    assert compare(before, after).before == d("3.88")


# CSV


def _csv(responses: list[Response]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for r in responses:
        answers = ["" if r.answers.get(k) is None else r.answers[k] for k in DIMENSION_KEYS]
        writer.writerow([r.respondent, r.rater_workgroup, r.target_workgroup, *answers])
    return out.getvalue()


def test_a_good_file_reads_back_its_responses_and_scores_them():
    responses, problems = read_responses(_csv(EXAMPLE))
    assert problems == []
    assert responses == [Response(r.respondent, r.rater_workgroup, r.target_workgroup, r.answers) for r in EXAMPLE]
    report = score_csv(_csv(EXAMPLE), min_respondents=3)
    assert report == {**as_json(score(EXAMPLE, 3)), "problems": []}
    assert report["overall"]["index"] == "3.88"


def test_blank_cells_are_unanswered_and_headers_are_forgiving():
    text = (
        "\ufeffRespondent , RATER_WORKGROUP,target_workgroup,shared_goals,shared_knowledge,mutual_respect,"
        "frequent,timely,accurate,problem_solving\r\n"
        "n1,Nurses,Rehab,4, ,3,,5,,\r\n"
        "\r\n"
        "n2,Nurses,Rehab,1,2,3,4,5,,,,\r\n"  # trailing empty cells, as spreadsheets write them
    )
    responses, problems = read_responses(text)
    assert problems == []
    assert responses == [
        rating("n1", NURSES, REHAB, 4, _, 3, _, 5, _, _),
        rating("n2", NURSES, REHAB, 1, 2, 3, 4, 5, _, _),
    ]


def test_bad_rows_are_reported_with_their_line_numbers_and_the_rest_is_read():
    text = "\n".join([
        ",".join(HEADER),
        "n1,Nurses,Pharmacists,4,4,4,4,4,4,4",
        "n2,Nurses,Pharmacists,7,4,x,4,3.5,4,",
        ",Nurses,Pharmacists,4,4,4,4,4,4,4",
        "",
        "n3,Nurses,Pharmacists,4,4,4",
        "n1,Pharmacists,Nurses,4,4,4,4,4,4,4",
        "n1,Nurses,Pharmacists,3,3,3,3,3,3,3",
        "n4,Nurses,,3,3,3,3,3,3,3",
    ])
    responses, problems = read_responses(text)
    assert responses == [
        rating("n1", NURSES, PHARMACISTS, 4, 4, 4, 4, 4, 4, 4),
        rating("n2", NURSES, PHARMACISTS, _, 4, _, 4, _, 4, _),
    ]
    assert [str(p) for p in problems] == [
        "line 3: shared_goals is '7', not a whole number from 1 to 5; it counts as unanswered",
        "line 3: mutual_respect is 'x', not a whole number from 1 to 5; it counts as unanswered",
        "line 3: timely is '3.5', not a whole number from 1 to 5; it counts as unanswered",
        "line 4: empty respondent; the row is left out",
        "line 6: the row has 6 cells where the header has 10; the row is left out",
        "line 7: respondent 'n1' is in workgroup 'Nurses' on line 2, not 'Pharmacists'; the row is left out",
        "line 8: respondent 'n1' already rated 'Pharmacists' on line 2; the row is left out",
        "line 9: empty target_workgroup; the row is left out",
    ]


def test_line_numbers_count_lines_of_the_file_even_inside_quoted_cells():
    text = ",".join([*HEADER, "comment"]) + '\nn1,Nurses,Rehab,4,4,4,4,4,4,4,"two\nlines"\n'
    text += "n2,Nurses,Rehab,9,4,4,4,4,4,4,\n"
    responses, problems = read_responses(text)
    assert len(responses) == 2
    assert [p.line for p in problems] == [1, 4]
    assert "unknown column 'comment'" in problems[0].message and "shared_goals is '9'" in problems[1].message


def test_missing_columns_are_reported():
    without_target = "respondent,rater_workgroup," + ",".join(DIMENSION_KEYS) + "\nn1,Nurses,4,4,4,4,4,4,4\n"
    responses, problems = read_responses(without_target)
    assert responses == []
    assert problems == [Problem(1, "missing column 'target_workgroup': no row can be read without it")]

    without_timely = ",".join(h for h in HEADER if h != "timely") + "\nn1,Nurses,Rehab,4,4,4,4,4,4\n"
    responses, problems = read_responses(without_timely)
    assert responses == [rating("n1", NURSES, REHAB, 4, 4, 4, 4, _, 4, 4)]
    assert problems == [Problem(1, "missing column 'timely': that dimension counts as unanswered in every row")]


def test_unknown_and_repeated_columns_are_reported_and_ignored():
    text = ",".join([*HEADER, "timeliness", "timely"]) + "\nn1,Nurses,Rehab,4,4,4,4,4,4,4,1,1\n"
    responses, problems = read_responses(text)
    assert responses == [rating("n1", NURSES, REHAB, 4, 4, 4, 4, 4, 4, 4)]
    assert [p.line for p in problems] == [1, 1]
    assert "unknown column 'timeliness'" in problems[0].message
    assert "'timely' appears twice" in problems[1].message


def test_a_file_without_a_usable_header_is_refused():
    for text in ("", "\n\n", "n1,Nurses,Rehab,4,4,4,4,4,4,4\n"):
        with pytest.raises(HeaderError):
            read_responses(text)
        with pytest.raises(ValueError):
            score_csv(text)


def test_score_csv_reports_figures_and_problems_as_json():
    text = _csv(EXAMPLE) + "n9,Nurses,Rehab,4,4,4,4,4,4,6\n"
    report = score_csv(text, min_respondents=3)
    message = "problem_solving is '6', not a whole number from 1 to 5; it counts as unanswered"
    assert report["problems"] == [{"line": len(EXAMPLE) + 2, "problem": message}]
    # n9's rating counts with six answers (4); Nurses: (3.5 + 4 + 3.75 + 4)/4 = 3.8125 → 3.81.
    assert report["workgroups"][NURSES] == {"index": "3.81", "respondents": 4, "band": "moderate"}
    assert json.loads(json.dumps(report)) == report


# Properties

answers = st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=7, max_size=7)


@st.composite
def waves(draw, workgroups=("A", "B", "C"), prefix="r", max_respondents=18):
    """Respondents of the given workgroups, each rating some workgroups (perhaps their own), some items blank."""
    responses = []
    for i in range(draw(st.integers(0, max_respondents))):
        rater = draw(st.sampled_from(workgroups))
        for target in sorted(draw(st.sets(st.sampled_from(workgroups)))):
            responses.append(rating(f"{prefix}{i}", rater, target, *draw(answers)))
    return responses


def _shown(report: dict) -> list[dict]:
    sections = [report["workgroups"], report["rated_by_others"], report["dimensions"], report["within_group"]]
    return [f for f in [*(f for s in sections for f in s.values()), report["overall"]] if not f.get("hidden")]


@given(waves())
def test_every_figure_shown_lies_between_1_and_5_and_rests_on_enough_respondents(responses):
    for f in _shown(as_json(score(responses, 3))):
        value = Decimal(f.get("index", f.get("mean")))
        assert Decimal(1) <= value <= Decimal(5) and value == value.quantize(Decimal("0.01"))
        assert f["respondents"] >= 3


@given(waves(), st.data())
def test_adding_within_group_ratings_never_changes_an_index(responses, data):
    own_rated = {r.respondent for r in responses if r.within_group}
    workgroup_of = {r.respondent: r.rater_workgroup for r in responses}
    added = [
        rating(respondent, group, group, *data.draw(answers))
        for respondent, group in workgroup_of.items()
        if respondent not in own_rated and data.draw(st.booleans())
    ]
    before, after = as_json(score(responses, 3)), as_json(score(responses + added, 3))
    for section in ("workgroups", "rated_by_others", "dimensions", "overall"):
        assert after[section] == before[section]


@given(waves(), st.data())
def test_a_hidden_groups_answers_change_nothing_shown(responses, data):
    targets = [sorted(data.draw(st.sets(st.sampled_from(["A", "B", "C"]), min_size=1))) for _ in range(2)]

    def hidden_group():
        return [rating(f"h{i}", "H", t, *data.draw(answers)) for i in range(2) for t in targets[i]]

    assert as_json(score(responses + hidden_group(), 3)) == as_json(score(responses + hidden_group(), 3))


@given(waves())
def test_the_overall_index_rests_exactly_on_the_shown_workgroups(responses):
    figures = score(responses, 3)
    shown = [f for f in figures.workgroups.values() if not f.hidden]
    if not shown:
        assert figures.overall.hidden
        return
    assert figures.overall.respondents == sum(f.respondents for f in shown)
    assert min(f.value for f in shown) <= figures.overall.value <= max(f.value for f in shown)


# Stored data, suspect waves, the rating map


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", ""]), st.sampled_from(["A", "B", ""]),
                          st.sampled_from(["A", "B", "C", ""]),
                          st.lists(st.one_of(st.none(), st.integers(-3, 9), st.booleans()), min_size=7,
                                   max_size=7))))
def test_whatever_was_stored_the_usable_rows_score_and_the_rest_is_counted(rows):
    stored = [rating(*row[:3], *row[3]) for row in rows]
    kept, left_out = usable(stored)
    score(kept, 3)  # never raises
    assert len(kept) + left_out == len(stored)
    assert all(a is None or (a in range(1, 6) and not isinstance(a, bool)) for r in kept for a in r.answers.values())


def test_a_respondent_in_two_workgroups_or_rating_one_twice_is_left_out_whole():
    stored = [rating("x", NURSES, REHAB, 4, 4, 4, 4, 4, 4, 4), rating("x", REHAB, NURSES, 4, 4, 4, 4, 4, 4, 4),
              rating("y", NURSES, REHAB, 3, 3, 3, 3, 3, 3, 3), rating("y", NURSES, REHAB, 5, 5, 5, 5, 5, 5, 5),
              rating("z", NURSES, REHAB, 9, 4, 4, 4, 4, 0, 4)]
    kept, left_out = usable(stored)
    assert left_out == 4 and [r.respondent for r in kept] == ["z"]
    assert kept[0].answers["shared_goals"] is None and kept[0].answers["accurate"] is None


def test_a_wave_is_suspect_when_more_answered_than_were_invited():
    assert not suspect({"n": 10, "p": 6}, {"n": 10, "p": 6})
    assert suspect({"n": 10, "p": 6}, {"n": 3, "p": 7})  # one workgroup over its invitations
    assert suspect({"n": 10, "p": 0}, {"n": 8, "p": 3})  # in all: 11 of 10
    assert not suspect({"n": 0, "p": 0}, {"n": 8, "p": 3})  # nobody counted the invited: nothing to judge
    assert suspect({"n": 5}, {"n": 4, "stranger": 2})


def test_the_rating_map_never_leaves_a_few_people_to_be_worked_out_by_subtraction():
    """Five nurses rate the pharmacists, one rehab therapist too: the pharmacists' "rated by others" rests on six
    people, so showing the nurses' cell would give the lone therapist's rating away."""
    nurses = [rating(f"n{i}", NURSES, PHARMACISTS, 4, 4, 4, 4, 4, 4, 4) for i in range(5)]
    nurses += [rating(f"n{i}", NURSES, REHAB, 3, 3, 3, 3, 3, 3, 3) for i in range(5)]
    rehab = [rating(f"h{i}", REHAB, NURSES, 2, 2, 2, 2, 2, 2, 2) for i in range(5)]
    lone = [rating("h0", REHAB, PHARMACISTS, 1, 1, 1, 1, 1, 1, 1)]
    figures = score(nurses + rehab + lone, 5)
    assert figures.rated_by_others[PHARMACISTS].respondents == 6
    cells = figures.rating_map
    assert (NURSES, PHARMACISTS) not in cells and (REHAB, PHARMACISTS) not in cells
    # Nor by a longer way round: twice the nurses' index (each nurse's (P + R)/2) less the rehab's "rated by others"
    # (the nurses' R) is the nurses' P, which the pharmacists' "rated by others" less gives h0 away; and the rehab
    # index less "rated by others" of the nurses is h0's (P - N)/2. The larger figures are kept.
    assert figures.rated_by_others[PHARMACISTS] == Figure(d("3.50"), 6)
    assert figures.rated_by_others[REHAB].hidden and figures.rated_by_others[NURSES].hidden
    assert not figures.workgroups[NURSES].hidden and not figures.workgroups[REHAB].hidden and cells == {}


@given(waves(max_respondents=30))
def test_every_rated_workgroups_withheld_cells_rest_on_none_or_enough_people(responses):
    figures = score(responses, 3)
    cells = figures.rating_map
    raters: dict = {}
    for r in responses:
        if rating_score(r) is not None and not r.within_group and not figures.workgroups[r.rater_workgroup].hidden:
            raters.setdefault((r.rater_workgroup, r.target_workgroup), set()).add(r.respondent)
    assert all(f.respondents >= 3 for f in cells.values())
    for target in {t for _r, t in raters}:
        withheld = sum(len(who) for pair, who in raters.items() if pair[1] == target and pair not in cells)
        if any(pair[1] == target for pair in cells) and not figures.rated_by_others[target].hidden:
            assert withheld == 0 or withheld >= 3


# No subtraction between any two released figures

ICU_NURSES, ICU_PHARMACISTS, INTENSIVISTS = "nurses", "pharmacists", "intensivists"


def icu_wave() -> list[Response]:
    """The tester's wave: 5 nurses rate only the pharmacists (27/7 each), one nurse, the victim, only the
    intensivists (1,2,1,2,1,1,2: 10/7), 5 pharmacists only the intensivists (four 29/7, one 28/7)."""
    nurses = [rating(f"n{i}", ICU_NURSES, ICU_PHARMACISTS, 4, 4, 4, 4, 4, 4, 3) for i in range(5)]
    victim = [rating("victim", ICU_NURSES, INTENSIVISTS, 1, 2, 1, 2, 1, 1, 2)]
    pharmacists = [rating(f"p{i}", ICU_PHARMACISTS, INTENSIVISTS, 4, 4, 4, 4, 4, 4, 5 if i else 4) for i in range(5)]
    return nurses + victim + pharmacists


def test_the_victims_score_cannot_be_worked_out_from_nested_figures():
    """Before: nurses 3.45 (6), pharmacists 4.11 (5), intensivists rated by others 3.67 (6) and the nurses' cell
    of the pharmacists 3.86 (5), so 6 x 3.67 - 5 x 4.11 and 6 x 3.45 - 5 x 3.86 both gave the victim's 10/7."""
    figures = score(icu_wave(), 5)
    # Kept, largest first: the overall index (11), the nurses' (6) and the pharmacists' (5) indices. The
    # intensivists' "rated by others" (the victim and the 5 pharmacists) less the pharmacists' index, and the
    # nurses' index less the pharmacists' "rated by others" or the nurses' cell of them, are the victim alone.
    assert figures.overall == Figure(d("3.75"), 11)  # (145/7 + 144/7)/11
    assert figures.workgroups[ICU_NURSES] == Figure(d("3.45"), 6)
    assert figures.workgroups[ICU_PHARMACISTS] == Figure(d("4.11"), 5)
    assert figures.rated_by_others[INTENSIVISTS].hidden and figures.rated_by_others[ICU_PHARMACISTS].hidden
    assert figures.rating_map == {(ICU_PHARMACISTS, INTENSIVISTS): Figure(d("4.11"), 5)}
    assert Withheld("rated_by_others", INTENSIVISTS) in figures.withheld
    assert_no_two_released_figures_differ_by_a_few(icu_wave(), figures)


def released(responses: list[Response], figures) -> dict:
    """Each released figure's set of ratings (respondent, rated workgroup), or of answers (respondent, rated
    workgroup, dimension) for a dimension's mean, read from the rules as documented: a workgroup is pooled when
    at least k of its people have an index."""
    k = figures.min_respondents
    counting = [r for r in responses if rating_score(r) is not None]
    between = [r for r in counting if not r.within_group]
    members: dict = {}
    for r in between:
        members.setdefault(r.rater_workgroup, set()).add(r.respondent)
    pooled = [r for r in between if len(members[r.rater_workgroup]) >= k]
    sets = {("overall", None): {(r.respondent, r.target_workgroup) for r in pooled}} if not figures.overall.hidden \
        else {}
    for name, f in figures.workgroups.items():
        if not f.hidden:
            sets["workgroups", name] = {(r.respondent, r.target_workgroup) for r in between
                                        if r.rater_workgroup == name}
    for name, f in figures.rated_by_others.items():
        if not f.hidden:
            sets["rated_by_others", name] = {(r.respondent, name) for r in pooled if r.target_workgroup == name}
    for name, f in figures.within_group.items():
        if not f.hidden:
            sets["within_group", name] = {(r.respondent, name) for r in counting
                                          if r.within_group and r.target_workgroup == name}
    for (rater, target) in figures.rating_map:
        sets["rating_map", (rater, target)] = {(r.respondent, target) for r in pooled
                                               if (r.rater_workgroup, r.target_workgroup) == (rater, target)}
    for key, f in figures.dimensions.items():
        if not f.hidden:
            sets["dimensions", key] = {(r.respondent, r.target_workgroup, key) for r in pooled
                                       if r.answers.get(key) is not None}
    return sets


def assert_no_two_released_figures_differ_by_a_few(responses, figures):
    k = figures.min_respondents
    sets = released(responses, figures)
    for (name, small), (other, large) in ((a, b) for a in sets.items() for b in sets.items() if a[0] != b[0]):
        if small <= large:
            differ = {atom[0] for atom in large - small}
            assert len(differ) == 0 or len(differ) >= k, (name, other, differ)


@settings(max_examples=150, deadline=None)
@given(waves(max_respondents=14))
def test_no_two_released_figures_with_nested_ratings_differ_by_fewer_than_k_people(responses):
    assert_no_two_released_figures_differ_by_a_few(responses, score(responses, 3))


@settings(max_examples=60, deadline=None)
@given(waves(workgroups=("A", "B", "C", "D"), max_respondents=24))
def test_no_nested_figures_differ_by_fewer_than_five_people_with_four_workgroups(responses):
    assert_no_two_released_figures_differ_by_a_few(responses, score(responses, 5))


def test_a_large_wave_with_scattered_ratings_is_guarded_quickly_and_still_leaks_nothing():
    """120 people in 6 workgroups, each rating a random choice of workgroups: many small classes of people alike,
    where the search for a leak is bounded (past it a figure is withheld, to be safe)."""
    import random
    import time

    draw = random.Random(7)
    groups = [f"g{i}" for i in range(6)]
    responses = []
    for i in range(120):
        rater = draw.choice(groups)
        for target in [g for g in groups if draw.random() < 0.8] or groups[:1]:
            responses.append(rating(f"r{i}", rater, target, *(draw.randint(1, 5) for _ in DIMENSION_KEYS)))
    started = time.monotonic()
    figures = score(responses, 5)
    assert time.monotonic() - started < 60
    assert not figures.overall.hidden and figures.rating_map
    assert_no_two_released_figures_differ_by_a_few(responses, figures)


def test_an_open_link_needs_every_rated_workgroups_invited_count():
    assert uncounted({"nurses": 10, "pharmacists": 6}) == []
    assert uncounted({"nurses": 10, "rehab": 0, "pharmacists": 0}) == ["pharmacists", "rehab"]


@pytest.mark.parametrize(("values", "suggested"), [
    ({"timely": "3.00", "accurate": "4.00", "shared_goals": "4.00", "frequent": "4.00"}, ["timely"]),
    ({"timely": "3.00", "accurate": "3.50", "shared_goals": "4.00", "frequent": "4.20"}, ["timely", "accurate"]),
    ({"timely": "3.00", "accurate": "3.00", "frequent": "3.00", "shared_goals": "4.00"},
     ["accurate", "frequent", "timely"]),  # a tie for the lowest is taken whole
    ({"timely": "3.00", "accurate": "3.50", "frequent": "3.50", "shared_goals": "4.00"}, ["timely"]),
    ({"timely": "4.00", "accurate": "4.00", "frequent": "4.00"}, []),  # all the same: none is weakest
    ({}, []),
])
def test_focus_suggestions_are_the_lowest_dimensions_never_one_picked_from_a_tie(values, suggested):
    assert weakest({k: Decimal(v) for k, v in values.items()}) == suggested
