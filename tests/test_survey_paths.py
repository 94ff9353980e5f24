"""The survey's daily paths: "my workgroup is not listed", its length and its staff title, and the warning before
closing a wave that would show nothing."""

import re

import pytest
from sqlalchemy import select

from rcbingo.extensions import db
from rcbingo.org.service import active_workgroups
from rcbingo.survey.models import WaveAnswer
from rcbingo.survey.rules import NOT_LISTED, Response, answers_needed, minutes_to_answer, score

from .conftest import fresh
from .test_survey import DIMS, answer, close, open_wave
from .test_survey import admin as _admin  # noqa: F401 - the fixture, used by name below


def ratings(respondent, rater, targets, value):
    return [Response(respondent, rater, t, dict.fromkeys(DIMS, value)) for t in targets]


def wave_of(nurses: int, not_listed: int) -> list[Response]:
    responses = []
    for n in range(nurses):
        responses += ratings(f"n{n}", "nurses", ["pharmacists", "rehab"], 4)
    for n in range(not_listed):
        responses += ratings(f"x{n}", NOT_LISTED, ["nurses", "pharmacists", "rehab"], 1)
    return responses


def test_fewer_than_k_not_listed_respondents_show_nothing_and_change_no_pooled_figure():
    alone, with_four = score(wave_of(5, 0)), score(wave_of(5, 4))
    assert with_four.workgroups[NOT_LISTED].hidden
    def shown(figures):
        return figures.overall, {k: f for k, f in figures.rated_by_others.items() if not f.hidden}, figures.dimensions

    assert shown(with_four) == shown(alone)
    assert not any(rater == NOT_LISTED for rater, _target in with_four.rating_map)


def test_five_not_listed_respondents_are_a_group_like_any_workgroup():
    figures = score(wave_of(5, 5))
    assert figures.workgroups[NOT_LISTED].respondents == 5 and figures.workgroups[NOT_LISTED].value == 1
    assert figures.overall.respondents == 10
    assert figures.rated_by_others["pharmacists"].respondents == 10


@pytest.mark.parametrize(("rated", "asks_rater", "minutes"), [(1, False, 1), (2, True, 3), (3, True, 4),
                                                               (5, False, 5), (12, True, 12)])
def test_the_survey_says_about_how_long_it_takes_from_its_questions(rated, asks_rater, minutes):
    assert minutes_to_answer(rated, 7, asks_rater) == minutes


@pytest.mark.parametrize(("answered", "needed"), [({}, 5), ({"nurses": 3, "rehab": 4}, 1), ({"nurses": 5}, 0),
                                                  ({"nurses": 9}, 0), ({NOT_LISTED: 2}, 3)])
def test_a_wave_needs_k_answers_from_one_group_before_closing_shows_anything(answered, needed):
    assert answers_needed(answered, 5) == needed


@pytest.mark.usefixtures("_admin")
def test_a_respondent_whose_workgroup_is_not_listed_answers_and_is_stored_as_such(app, client, auth):
    wave, link = open_wave(client, auth)
    page = app.test_client().get(link).text
    assert "My workgroup is not listed" in page
    assert "About 4 minutes · 22 questions" in page  # three workgroups of seven items, and your own workgroup
    assert "Your answers are in" in answer(app, link, NOT_LISTED, lambda t: 3).text
    fresh()
    stored = db.session.scalars(select(WaveAnswer).where(WaveAnswer.wave_id == wave.id)).all()
    assert {(a.rater, a.target) for a in stored} == {(NOT_LISTED, t) for t in ("nurses", "pharmacists", "rehab")}
    assert answer(app, link, "someone-else", lambda t: 3).status_code == 422

    for _ in range(5):
        answer(app, link, "nurses", lambda t: 4)
    close(client, auth, wave)
    figures = client.get(f"/surveys/{wave.id}").text
    assert "Workgroup not listed" not in figures  # one person: their group shows nowhere
    assert "n=5" in figures and "n=6" not in figures


@pytest.mark.usefixtures("_admin")
def test_staff_see_the_title_given_for_them_never_the_waves_name(app, client, auth):
    ids = [w.id for w in active_workgroups()]
    client.post("/u/icu/surveys", data={
        "csrf_token": auth.csrf("/u/icu/surveys"), "name": "Q3 pilot (internal)", "kind": "staff",
        "answer_by": "link", "staff_title": "  Working  together on 4 West ", "workgroups": ids,
        **{f"invited-{i}": 5 for i in ids}})
    wave_page = client.get("/u/icu/surveys").text
    assert "Q3 pilot (internal)" in wave_page
    page = client.post("/u/icu/surveys", data={
        "csrf_token": auth.csrf("/u/icu/surveys"), "name": "Baseline", "kind": "staff", "answer_by": "link",
        "workgroups": ids, **{f"invited-{i}": 5 for i in ids}}).text
    untitled = re.search(r'<code class="link">http://localhost(/s/[^<]+)</code>', page).group(1)
    assert "How we work together" in app.test_client().get(untitled).text
    fresh()
    from rcbingo.survey.models import Wave

    titled = db.session.scalar(select(Wave).where(Wave.name == "Q3 pilot (internal)"))
    assert titled.staff_title == "Working together on 4 West"
    long = client.post("/u/icu/surveys", data={
        "csrf_token": auth.csrf("/u/icu/surveys"), "name": "Long", "kind": "staff", "staff_title": "T" * 121,
        "workgroups": ids}).text
    assert "Shorten the title staff see" in long and "T" * 121 in long  # nothing typed is lost


@pytest.mark.usefixtures("_admin")
def test_closing_a_wave_that_would_show_nothing_is_warned_with_the_answers_needed(app, client, auth):
    wave, link = open_wave(client, auth)
    for _ in range(3):
        answer(app, link, "nurses", lambda t: 4)
    answer(app, link, "rehab", lambda t: 4)
    page = client.get(f"/surveys/{wave.id}").text
    assert "Closing now would show nothing." in page
    assert "it needs at least 2 more answers from one workgroup" in page
    assert "It would show no figure at all, for good: it needs 2 more answers first." in page  # the confirmation
    for _ in range(2):
        answer(app, link, "nurses", lambda t: 4)
    assert "Closing now would show nothing." not in client.get(f"/surveys/{wave.id}").text
