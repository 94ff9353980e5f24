"""RC survey waves over HTTP: opening, answering anonymously, the figures, imports, the wording."""

import io
import json
import re

import pytest
from sqlalchemy import inspect, select

from rcbingo.extensions import db
from rcbingo.org.service import active_workgroups, unit_by_key
from rcbingo.survey import service as survey
from rcbingo.survey.models import WaveAnswer

from .conftest import csrf_from, fresh

DIMS = ["shared_goals", "shared_knowledge", "mutual_respect", "frequent", "timely", "accurate", "problem_solving"]


@pytest.fixture
def admin(roster, make_account, auth):
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    return auth


def open_wave(client, admin, name="Baseline 2026"):
    """A wave opened, as an administrator explicitly chooses, with an open link; returns it and its link."""
    ids = {w.key: w.id for w in active_workgroups()}
    page = client.post("/u/icu/surveys", data={
        "csrf_token": admin.csrf("/u/icu/surveys"), "name": name, "kind": "staff", "answer_by": "link",
        "workgroups": [ids["nurses"], ids["pharmacists"], ids["rehab"]],
        f"invited-{ids['nurses']}": 10, f"invited-{ids['pharmacists']}": 6, f"invited-{ids['rehab']}": 8})
    html = page.get_data(as_text=True)
    link = re.search(r'<code class="link">http://localhost(/s/[^<]+)</code>', html).group(1)
    fresh()
    return survey.unit_waves(unit_by_key("icu"))[0], link


def close(client, admin, wave):
    url = f"/surveys/{wave.id}"
    return client.post(url, data={"csrf_token": admin.csrf(url), "action": "close"})


def stored(wave) -> int:
    fresh()
    return len(db.session.scalars(select(WaveAnswer).where(WaveAnswer.wave_id == wave.id)).all())


def answer(app, link, rater, score_for, lower=()):
    """One anonymous respondent: `score_for(target)` gives the answer to every item about that workgroup (one less on
    the dimensions in `lower`)."""
    respondent = app.test_client()
    token = csrf_from(respondent.get(link).get_data(as_text=True))
    fields = {"csrf_token": token, "rater": rater}
    for target in ("nurses", "pharmacists", "rehab"):
        for dimension in DIMS:
            fields[f"{target}-{dimension}"] = str(score_for(target) - (dimension in lower))
    return respondent.post(link, data=fields)


def test_staff_answer_anonymously_and_coordinators_see_figures_from_five_people_once_closed(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(5):
        assert "Your answers are in" in answer(app, link, "nurses", lambda t: 4).get_data(as_text=True)
    for _ in range(2):
        answer(app, link, "pharmacists", lambda t: 2)
    open_page = client.get(f"/surveys/{wave.id}").get_data(as_text=True)
    assert "The figures are published when the wave closes." in open_page and "band-" not in open_page
    assert "Respondents: 7" in open_page
    close(client, admin, wave)
    page = client.get(f"/surveys/{wave.id}").get_data(as_text=True)
    assert re.search(r'<strong class="band band-moderate">4.00</strong>', page)  # nurses rate the others 4
    assert "withheld" in page  # two pharmacists are too few to show
    assert "Some workgroups are withheld" in page
    rates = re.sub(r"<[^>]+>", " ", page.split("<h3>Response rates</h3>")[1])
    assert re.search(r"Nurses\s+5 / 10 \(50 %\)", rates) and re.search(r"Pharmacists\s+2 / 6 \(33 %\)", rates)


def test_answers_keep_nothing_that_identifies_a_respondent(app, client, admin):
    _wave, link = open_wave(client, admin)
    answer(app, link, "rehab", lambda t: 3)
    columns = {c.name for c in inspect(WaveAnswer).columns}
    assert columns == {"id", "wave_id", "respondent", "rater", "target", *DIMS}
    fresh()
    respondents = {a.respondent for a in db.session.scalars(select(WaveAnswer))}
    assert len(respondents) == 1 and re.fullmatch(r"[0-9a-f]{32}", respondents.pop())


def test_a_respondent_must_say_their_workgroup_and_answer_something(app, client, admin):
    _wave, link = open_wave(client, admin)
    respondent = app.test_client()
    token = csrf_from(respondent.get(link).get_data(as_text=True))
    missing = respondent.post(link, data={"csrf_token": token, "nurses-timely": "4"})
    assert missing.status_code == 422 and "Choose your own workgroup first." in missing.get_data(as_text=True)
    assert 'value="4" id="nurses-timely-4" checked' in missing.get_data(as_text=True)  # nothing typed is lost
    empty = respondent.post(link, data={"csrf_token": token, "rater": "nurses"})
    assert empty.status_code == 422 and "Answer at least one question" in empty.get_data(as_text=True)


def test_a_closed_wave_takes_no_more_answers(app, client, admin):
    wave, link = open_wave(client, admin)
    client.post(f"/surveys/{wave.id}", data={"csrf_token": admin.csrf(f"/surveys/{wave.id}"), "action": "close"})
    assert app.test_client().get(link).status_code == 404


def test_a_second_wave_shows_the_change_and_whether_it_is_meaningful(app, client, admin):
    _first, link = open_wave(client, admin, "Baseline")
    for _ in range(5):
        answer(app, link, "nurses", lambda t: 3)
    close(client, admin, _first)
    second, link = open_wave(client, admin, "After a year")
    for _ in range(5):
        answer(app, link, "nurses", lambda t: 4)
    close(client, admin, second)
    page = client.get(f"/surveys/{second.id}").get_data(as_text=True)
    assert "since Baseline:" in page and "+1.00" in page and "meaningful" in page


def test_a_csv_of_paper_answers_is_imported_into_a_wave(app, client, admin):
    wave, _link = open_wave(client, admin)
    rows = ["respondent,rater_workgroup,target_workgroup," + ",".join(DIMS)]
    rows += [f"p{n},rehab,nurses,5,5,4,4,5,,5" for n in range(5)]
    url = f"/surveys/{wave.id}"
    client.post(url, data={"csrf_token": admin.csrf(url), "action": "import",
                           "file": (io.BytesIO("\n".join(rows).encode()), "paper.csv")},
                content_type="multipart/form-data")
    assert stored(wave) == 5
    wrong = b"respondent,rater_workgroup,target_workgroup,timely\nx,rehab,nurses,9"
    bad = client.post(url, data={"csrf_token": admin.csrf(url), "action": "import",
                                 "file": (io.BytesIO(wrong), "bad.csv")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "Nothing was imported" in bad.get_data(as_text=True)
    assert stored(wave) == 5


def test_the_weakest_dimensions_become_focus_squares(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(5):
        answer(app, link, "nurses", lambda t: 4, lower=("timely", "shared_knowledge"))
    url = f"/surveys/{wave.id}"
    assert 'value="focus"' not in client.get(url).get_data(as_text=True)  # nothing suggested while open
    close(client, admin, wave)
    page = client.get(url).get_data(as_text=True)
    assert re.findall(r'<input type="hidden" name="focus" value="([^"]+)"', page) == ["shared_knowledge", "timely"]
    client.post(url, data={"csrf_token": admin.csrf(url), "action": "focus", "focus": ["timely", "shared_knowledge"]})
    from rcbingo.board.service import focus_of

    fresh()
    assert focus_of(unit_by_key("icu")) == ["shared_knowledge", "timely"]


def test_an_administrator_rewords_the_survey(client, admin):
    items = {f"wording-{d}": f"Own licensed wording for {d}?" for d in DIMS}
    labels = {f"label-{d}-{n}": f"L{n}" for d in DIMS for n in range(1, 6)}
    client.post("/admin/survey-wording", data={"csrf_token": admin.csrf("/admin/survey-wording"), **items, **labels})
    fresh()
    assert [i.wording for i in survey.items()][4] == "Own licensed wording for timely?"
    refused = client.post("/admin/survey-wording", follow_redirects=True, data={
        "csrf_token": admin.csrf("/admin/survey-wording"), **items, **labels, "label-timely-3": ""})
    assert "all five answer labels" in refused.get_data(as_text=True)


def test_only_administrators_open_waves(client, roster, make_account, auth):
    make_account(roles=[("icu", "coordinator")])
    auth.sign_in()
    response = client.post("/u/icu/surveys", data={"csrf_token": auth.csrf("/u/icu/surveys"), "name": "Mine"})
    assert response.status_code == 403


def test_survey_score_prints_figures_as_json_without_storing(runner, tmp_path, app):
    rows = ["respondent,rater_workgroup,target_workgroup," + ",".join(DIMS)]
    rows += [f"n{n},nurses,pharmacists,4,4,4,4,3,3,3" for n in range(5)]
    rows += [f"p{n},pharmacists,nurses,2,2,2,2,2,2,2" for n in range(3)]
    path = tmp_path / "wave.csv"
    path.write_text("\n".join(rows))
    result = runner.invoke(args=["survey-score", str(path)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["workgroups"]["nurses"]["index"] == "3.57"  # (4*4 + 3*3) / 7 = 25/7
    assert figures["workgroups"]["pharmacists"] == {"hidden": True}
    assert runner.invoke(args=["survey-score", str(path), "--min-respondents", "2"]).exit_code != 0
    fresh()
    assert db.session.scalars(select(WaveAnswer)).all() == []


def test_the_csv_export_holds_reportable_figures_only(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(5):
        answer(app, link, "nurses", lambda t: 4)
    for _ in range(2):
        answer(app, link, "pharmacists", lambda t: 1)
    assert client.get(f"/surveys/{wave.id}/figures.csv").status_code == 404  # nothing while the wave is open
    close(client, admin, wave)
    export = client.get(f"/surveys/{wave.id}/figures.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(__import__("csv").reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["section", "key", "value", "respondents", "band"]
    assert ["workgroups", "nurses", "4.00", "5", "moderate"] in rows
    assert not any(row[1] == "pharmacists" and row[0] == "workgroups" for row in rows)
    assert not any(row[2] == "1.00" for row in rows)  # the two pharmacists' answers leak nowhere


def test_patients_and_families_rate_the_workgroups_from_outside(app, client, admin):
    ids = {w.key: w.id for w in active_workgroups()}
    wave, token = survey.open_wave(unit_by_key("icu"), name="Families 2026", kind="family",
                                   invited={ids["nurses"]: 20, ids["rehab"]: 20}, actor=None, open_link=True)
    for _ in range(5):
        family = app.test_client()
        page = family.get(f"/s/{token}").get_data(as_text=True)
        assert 'name="rater"' not in page  # no workgroup of their own to choose
        family.post(f"/s/{token}", data={"csrf_token": csrf_from(page), **{f"nurses-{d}": "5" for d in DIMS},
                                         **{f"rehab-{d}": "3" for d in DIMS}})
    close(client, admin, wave)
    html = client.get(f"/surveys/{wave.id}").get_data(as_text=True)
    assert "Patients and families" in html
    by_workgroup = html.split("By workgroup")[-1]
    assert re.search(r'Nurses</th><td>.*?</td><td><strong class="band band-strong">5.00</strong>', by_workgroup)


def test_a_closed_wave_with_every_workgroup_withheld_says_so_plainly(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(2):
        answer(app, link, "nurses", lambda t: 4)
    close(client, admin, wave)
    page = client.get(f"/surveys/{wave.id}").get_data(as_text=True)
    assert "No workgroup had enough answers: every figure is withheld." in page
    assert "the pooled figures cover the shown workgroups only" not in page
