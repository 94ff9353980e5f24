"""The card's rules as plain functions: who may be credited, what is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcbingo.cards.rules import (
    PEOPLE_MAX,
    PRACTICE_MAX,
    STORY_MAX,
    Draft,
    Entry,
    credited_workgroups,
    credits,
    problems,
)
from rcbingo.rc import DIMENSION_KEYS

WORKGROUPS = {"nurses", "pharmacists", "rehab", "chaplains"}
UNITS = {"icu", "ward"}
NURSE = Entry("Nora Nurse", "nurses", "icu")
PHARMACIST = Entry("Phil Pharma", "pharmacists", "icu")
THERAPIST = Entry("Rita Rehab", "rehab", "ward")
OTHER_NURSE = Entry("Ned Night", "nurses", "icu")


def draft(**changes) -> Draft:
    fields = {"nominator": NURSE, "nominees": (PHARMACIST,), "dimensions": frozenset({"timely"}),
              "practice": "A call before rounds", "story": "Phil caught the dose in time."}
    return Draft(**{**fields, **changes})


def test_a_complete_card_has_no_problems():
    assert problems(draft(), WORKGROUPS, UNITS) == {}


def test_card_for_own_workgroup_is_refused():
    found = problems(draft(nominees=(OTHER_NURSE,)), WORKGROUPS, UNITS)
    assert set(found) == {"nominees"}
    assert "another profession" in found["nominees"].message


def test_card_for_own_workgroup_credits_nothing():
    assert credits(draft(nominees=(OTHER_NURSE,))) == set()


def test_mixed_nominees_credit_only_the_other_workgroups():
    card = draft(nominees=(OTHER_NURSE, PHARMACIST, THERAPIST), dimensions=frozenset({"frequent", "accurate"}))
    assert problems(card, WORKGROUPS, UNITS) == {}
    assert credits(card) == {("pharmacists", "frequent"), ("pharmacists", "accurate"),
                             ("rehab", "frequent"), ("rehab", "accurate")}


def test_each_other_workgroup_earns_every_ticked_dimension():
    card = draft(dimensions=frozenset(DIMENSION_KEYS))
    assert credits(card) == {("pharmacists", d) for d in DIMENSION_KEYS}


def test_two_people_of_one_workgroup_credit_it_once():
    assert credited_workgroups("nurses", ["rehab", "rehab", "pharmacists"]) == ["rehab", "pharmacists"]


def test_a_card_naming_nobody_is_refused():
    assert set(problems(draft(nominees=()), WORKGROUPS, UNITS)) == {"nominees"}


def test_rows_left_blank_are_ignored():
    card = draft(nominees=(Entry("", "", "icu"), PHARMACIST, Entry("  ", "", "ward")))
    assert problems(card, WORKGROUPS, UNITS) == {}
    assert credits(card) == {("pharmacists", "timely")}


def test_a_card_of_only_blank_rows_is_refused():
    found = problems(draft(nominees=(Entry("", "", "icu"),)), WORKGROUPS, UNITS)
    assert set(found) == {"nominees"}


def test_a_nominee_without_a_workgroup_is_asked_for_it():
    found = problems(draft(nominees=(Entry("Sam Someone", "", "icu"),)), WORKGROUPS, UNITS)
    assert set(found) == {"nominees.0.workgroup"}


@pytest.mark.parametrize("name", ["", "\u200b", " \u00ad "])
def test_a_nominee_without_a_name_is_asked_for_it(name):
    found = problems(draft(nominees=(PHARMACIST, Entry(name, "rehab", "icu"))), WORKGROUPS, UNITS)
    assert set(found) == {"nominees.1.name"}


def test_no_dimension_is_refused():
    assert set(problems(draft(dimensions=frozenset()), WORKGROUPS, UNITS)) == {"dimensions"}


def test_an_unknown_dimension_is_refused():
    assert set(problems(draft(dimensions=frozenset({"timely", "charm"})), WORKGROUPS, UNITS)) == {"dimensions"}


@pytest.mark.parametrize("story", ["", "   ", "\n\t", "\u200b\u200b", "\u00ad", " \u2060\ufeff "])
def test_an_empty_story_is_refused(story):
    assert set(problems(draft(story=story), WORKGROUPS, UNITS)) == {"story"}


def test_overlong_story_and_practice_are_refused_with_their_lengths():
    found = problems(draft(story="x" * (STORY_MAX + 1), practice="y" * (PRACTICE_MAX + 5)), WORKGROUPS, UNITS)
    assert set(found) == {"story", "practice"}
    assert found["story"].params == {"max": STORY_MAX, "count": STORY_MAX + 1}
    assert found["practice"].params == {"max": PRACTICE_MAX, "count": PRACTICE_MAX + 5}


def test_text_at_the_limit_is_accepted():
    assert problems(draft(story="x" * STORY_MAX, practice="y" * PRACTICE_MAX), WORKGROUPS, UNITS) == {}


def test_the_practice_line_may_be_left_empty():
    assert problems(draft(practice=""), WORKGROUPS, UNITS) == {}


@pytest.mark.parametrize("name", ["", "\u200b\u200b"])
def test_an_empty_nominator_name_is_refused(name):
    assert set(problems(draft(nominator=Entry(name, "nurses", "icu")), WORKGROUPS, UNITS)) == {"nominator.name"}


def test_an_unknown_workgroup_or_unit_is_refused():
    card = draft(nominator=Entry("Nora", "astronauts", "moon"),
                 nominees=(Entry("Phil", "pharmacists", "mars"),))
    assert set(problems(card, WORKGROUPS, UNITS)) == {
        "nominator.workgroup", "nominator.unit", "nominees.0.unit"}


def test_an_unknown_nominator_workgroup_does_not_also_claim_own_workgroup():
    found = problems(draft(nominator=Entry("Nora", "astronauts", "icu")), WORKGROUPS, UNITS)
    assert set(found) == {"nominator.workgroup"}


def test_too_many_people_are_refused():
    people = tuple(Entry(f"Person {n}", "rehab", "icu") for n in range(PEOPLE_MAX + 1))
    assert set(problems(draft(nominees=people), WORKGROUPS, UNITS)) == {"nominees"}


entries = st.builds(Entry, name=st.sampled_from(["A", "B", ""]), workgroup=st.sampled_from(sorted(WORKGROUPS)),
                    unit=st.sampled_from(sorted(UNITS)))


@given(nominator=entries, nominees=st.lists(entries, max_size=5),
       dimensions=st.frozensets(st.sampled_from(DIMENSION_KEYS)))
def test_credit_never_goes_to_the_nominators_own_workgroup(nominator, nominees, dimensions):
    card = draft(nominator=nominator, nominees=tuple(nominees), dimensions=dimensions)
    covered = credits(card)
    assert all(workgroup != nominator.workgroup for workgroup, _ in covered)
    assert {d for _, d in covered} <= dimensions


@given(nominator=entries, nominees=st.lists(entries, min_size=1, max_size=5))
def test_an_accepted_card_always_credits_someone(nominator, nominees):
    card = draft(nominator=Entry("Nora", nominator.workgroup, nominator.unit), nominees=tuple(nominees))
    if not problems(card, WORKGROUPS, UNITS):
        assert credits(card)


@pytest.mark.parametrize(("written", "shown"), [
    ("Dr. Julia Ferreira", "Julia"),
    ("Ferreira, Julia", "Julia"),
    ("Castillo, Ben", "Ben"),
    ("Dr. Osei", "Dr. O."),
    ("Nora", "Nora"),
    ("Nora Nurse", "Nora"),
    ("Ferreira,", "Ferreira,"),
])
def test_walls_show_a_first_name_never_a_surname_with_its_title(written, shown):
    from rcbingo.cards.rules import first_name

    assert first_name(written) == shown


def test_a_half_written_card_leaves_a_shared_tablet_within_a_minute_and_a_half():
    from rcbingo import config

    assert config.CARD_IDLE_SECONDS <= 90
    assert 10 <= config.CARD_IDLE_WARNING_SECONDS < config.CARD_IDLE_SECONDS  # long enough to read and touch
