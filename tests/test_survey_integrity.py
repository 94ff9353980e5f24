"""One person counts once in a survey: one answer per device and wave, and one-time answer codes that never
lead back to the answers they brought."""

import re

import pytest
from sqlalchemy import func, inspect, select

from rcbingo.extensions import db
from rcbingo.org.service import active_workgroups, unit_by_key
from rcbingo.survey import service as survey
from rcbingo.survey.models import Wave, WaveAnswer, WaveCode

from .conftest import TEST_DATABASE_URL, Auth, csrf_from, fresh
from .test_survey import DIMS, open_wave

ALREADY = "This device has already answered"
USED = "This code has already been used"


@pytest.fixture
def admin(roster, make_account, auth):
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    return auth


def fields(page: str, rater="nurses", score=4) -> dict:
    data = {"csrf_token": csrf_from(page), "rater": rater}
    for target in ("nurses", "pharmacists", "rehab"):
        data.update({f"{target}-{d}": str(score) for d in DIMS})
    return data


def send(browser, url, **kwargs):
    """Open an answer page in `browser` and send its answers; returns the answer to the sending."""
    page = browser.get(url)
    assert page.status_code == 200, page.status_code
    return browser.post(url, data=fields(page.get_data(as_text=True), **kwargs))


def respondents(wave=None) -> int:
    fresh()
    query = select(func.count(func.distinct(WaveAnswer.respondent)))
    return db.session.scalar(query.where(WaveAnswer.wave_id == wave.id) if wave else query)


def code_counts(wave) -> tuple[int, int]:
    fresh()
    return survey.code_counts(wave)


def issue(client, admin, wave, count):
    url = f"/surveys/{wave.id}/codes"
    return client.post(url, data={"csrf_token": admin.csrf(url), "action": "issue", "count": count})


def code_links(sheet) -> list[str]:
    return re.findall(r'<p class="slip-link">http://localhost(/s/code/[0-9A-Z]+)</p>', sheet.get_data(as_text=True))


def test_a_browser_answers_a_wave_once_however_often_it_sends(app, client, admin):
    wave, link = open_wave(client, admin)
    phone = app.test_client()
    page = phone.get(link).get_data(as_text=True)
    first = phone.post(link, data=fields(page))
    assert "Your answers are in" in first.get_data(as_text=True)
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/s/" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain http here; over https it is Secure
    for _ in range(5):  # the same answers posted again, as a replay from the same cookie jar
        again = phone.post(link, data=fields(page))
        assert again.status_code == 409 and ALREADY in again.get_data(as_text=True)
        assert "What you just sent was not stored." in again.get_data(as_text=True)
    reopened = phone.get(link)
    assert reopened.status_code == 200 and ALREADY in reopened.get_data(as_text=True)
    assert 'name="rater"' not in reopened.get_data(as_text=True)
    assert respondents(wave) == 1

    assert "Your answers are in" in send(app.test_client(), link).get_data(as_text=True)  # another browser
    assert respondents(wave) == 2

    second, second_link = open_wave(client, admin, "After a year")
    assert "Your answers are in" in send(phone, second_link).get_data(as_text=True)  # the first browser again
    assert respondents(second) == 1 and respondents(wave) == 2


def test_the_answered_mark_says_nothing_about_who_and_cannot_be_forged(app, client, admin):
    wave, link = open_wave(client, admin)
    one, two = app.test_client(), app.test_client()
    send(one, link)
    send(two, link, rater="rehab", score=2)
    name = f"rcbingo_answered_{wave.id}"
    marks = {browser.get_cookie(name, path="/s/").value for browser in (one, two)}
    assert len(marks) == 1  # every device that answered the wave carries the same mark
    mark = marks.pop()
    fresh()
    stored = set(db.session.scalars(select(WaveAnswer.respondent)))
    assert len(stored) == 2 and not any(r in mark for r in stored)

    forger = app.test_client()
    forger.set_cookie(name, str(wave.id), path="/s/")
    assert "Your answers are in" in send(forger, link).get_data(as_text=True)
    other, other_link = open_wave(client, admin, "Another")
    copied = app.test_client()  # the first wave's mark under the second wave's name
    copied.set_cookie(f"rcbingo_answered_{other.id}", one.get_cookie(name, path="/s/").value, path="/s/")
    assert "Your answers are in" in send(copied, other_link).get_data(as_text=True)


def test_issued_codes_are_distinct_and_each_answers_once(app, client, admin):
    wave, _link = open_wave(client, admin)
    sheet = issue(client, admin, wave, 6)
    html = sheet.get_data(as_text=True)
    links = code_links(sheet)
    assert sheet.status_code == 200 and len(links) == 6 == len(set(links))
    assert html.count('<img class="qr" src="data:image/svg+xml') == 6
    for url in links:
        assert "Your answers are in" in send(app.test_client(), url).get_data(as_text=True)
    assert respondents(wave) == 6

    late = app.test_client()  # someone else who got hold of a used slip
    opened = late.get(links[0])
    assert opened.status_code == 410 and USED in opened.get_data(as_text=True)
    token = csrf_from(late.get("/sign-in").get_data(as_text=True))
    replay = late.post(links[0], data={**fields(f'name="csrf_token" value="{token}"'), "csrf_token": token})
    assert replay.status_code == 410 and USED in replay.get_data(as_text=True)
    unknown = late.get("/s/code/ABCDEFGHJKMN")
    assert unknown.status_code == 404 and "This answer code is unknown" in unknown.get_data(as_text=True)
    assert late.post("/s/code/ABCDEFGHJKMN", data={"csrf_token": token, "rater": "nurses"}).status_code == 404
    assert respondents(wave) == 6
    assert code_counts(wave) == (6, 6)


def test_a_code_that_was_used_meanwhile_stores_nothing(app, client, admin):
    wave, _link = open_wave(client, admin)
    url = code_links(issue(client, admin, wave, 1))[0]
    slow, quick = app.test_client(), app.test_client()
    page = slow.get(url).get_data(as_text=True)  # opened, not yet sent
    send(quick, url)
    late = slow.post(url, data=fields(page))
    assert late.status_code == 410 and USED in late.get_data(as_text=True)
    assert respondents(wave) == 1
    with pytest.raises(survey.CodeRefused):
        survey.answer(db.session.get(Wave, wave.id), "nurses", {"rehab": dict.fromkeys(DIMS, 3)},
                      code=url.rsplit("/", 1)[1])
    assert respondents(wave) == 1


def test_a_printed_code_may_be_typed_in_any_case_and_with_dashes(app, client, admin):
    wave, _link = open_wave(client, admin)
    code = code_links(issue(client, admin, wave, 1))[0].rsplit("/", 1)[1]
    typed = "-".join(code[i:i + 4] for i in range(0, 12, 4)).lower()
    assert "Your answers are in" in send(app.test_client(), f"/s/code/{typed}").get_data(as_text=True)
    assert app.test_client().get(f"/s/code/{code}").status_code == 410


def test_a_codes_only_wave_refuses_its_open_link_and_takes_codes_on_a_shared_device(app, client, admin):
    wave, link = open_wave(client, admin)
    url = f"/surveys/{wave.id}/codes"
    client.post(url, data={"csrf_token": admin.csrf(url), "action": "mode", "codes_only": "yes"})
    refused = app.test_client().get(link)
    assert refused.status_code == 403 and "answered by code" in refused.get_data(as_text=True)
    ward_tablet = app.test_client()
    for code_url in code_links(issue(client, admin, wave, 2)):
        assert "Your answers are in" in send(ward_tablet, code_url).get_data(as_text=True)
    assert respondents(wave) == 2
    assert "answer codes only" in client.get(f"/surveys/{wave.id}").get_data(as_text=True)


def test_a_device_that_answered_by_the_open_link_does_not_answer_again_by_a_code(app, client, admin):
    wave, link = open_wave(client, admin)
    code_url = code_links(issue(client, admin, wave, 1))[0]
    phone = app.test_client()
    send(phone, link)
    again = phone.get(code_url)
    assert again.status_code == 200 and ALREADY in again.get_data(as_text=True)
    assert code_counts(wave) == (1, 0)  # the code is still good for its holder, on their own device


def test_the_figures_say_how_many_answered_by_code_and_by_the_open_link(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(3):
        send(app.test_client(), link)
    for code_url in code_links(issue(client, admin, wave, 4))[:2]:
        send(app.test_client(), code_url)
    page = re.sub(r"\s+", " ", client.get(f"/surveys/{wave.id}").get_data(as_text=True))
    assert "Respondents: 5 · by answer code: 2 · by the open link: 3" in page
    assert "imported" not in page.split('class="answer-sources"')[1].split("</p>")[0]


def test_issuing_codes_is_bounded_and_nothing_is_issued_out_of_bounds(client, admin):
    wave, _link = open_wave(client, admin)
    for count in ("0", str(survey.MAX_CODES + 1), "many"):
        refused = issue(client, admin, wave, count)
        assert refused.status_code == 302
        assert "between 1 and 500" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert code_counts(wave) == (0, 0)


def test_lost_codes_are_cancelled_and_used_ones_stay_counted(app, client, admin):
    wave, _link = open_wave(client, admin)
    links = code_links(issue(client, admin, wave, 3))
    send(app.test_client(), links[0])
    url = f"/surveys/{wave.id}/codes"
    done = client.post(url, data={"csrf_token": admin.csrf(url), "action": "cancel"}, follow_redirects=True)
    assert "2 unused codes cancelled." in done.get_data(as_text=True)
    assert app.test_client().get(links[1]).status_code == 404
    assert code_counts(wave) == (1, 1)


def test_a_closed_wave_takes_no_answers_by_code(app, client, admin):
    wave, _link = open_wave(client, admin)
    links = code_links(issue(client, admin, wave, 1))
    client.post(f"/surveys/{wave.id}", data={"csrf_token": admin.csrf(f"/surveys/{wave.id}"), "action": "close"})
    assert app.test_client().get(links[0]).status_code == 404
    assert issue(client, admin, wave, 1).status_code == 302 and code_counts(wave) == (1, 0)


def test_only_administrators_reach_the_codes(app, roster, make_account, client, admin):
    wave, _link = open_wave(client, admin)
    url = f"/surveys/{wave.id}/codes"
    page = client.get(url)
    assert page.status_code == 200 and 'name="count"' in page.get_data(as_text=True)
    assert url in client.get(f"/surveys/{wave.id}").get_data(as_text=True)  # reached from the wave
    assert url in client.get("/u/icu/surveys").get_data(as_text=True)  # and from the list of waves
    anonymous = app.test_client()
    token = csrf_from(anonymous.get("/sign-in").get_data(as_text=True))
    for response in (anonymous.get(url), anonymous.post(url, data={"csrf_token": token, "action": "issue",
                                                                    "count": 3})):
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    coordinator = app.test_client()
    make_account("c@example.org", roles=[("icu", "coordinator")])
    Auth(coordinator).sign_in("c@example.org")
    token = csrf_from(coordinator.get("/sign-in").get_data(as_text=True))
    assert coordinator.get(url).status_code == 403
    assert coordinator.post(url, data={"csrf_token": token, "action": "issue", "count": 3}).status_code == 403
    assert url not in coordinator.get(f"/surveys/{wave.id}").get_data(as_text=True)
    assert code_counts(wave) == (0, 0)


def test_the_database_keeps_no_code_and_nothing_that_links_a_code_to_answers(app, client, admin):
    wave, link = open_wave(client, admin)
    links = code_links(issue(client, admin, wave, 3))
    send(app.test_client(), links[1], rater="pharmacists", score=5)
    send(app.test_client(), link)
    codes = [url.rsplit("/", 1)[1] for url in links]
    fresh()
    assert {c.name for c in inspect(WaveCode).columns} == {"id", "wave_id", "code_hash", "used"}
    assert {c.name for c in inspect(WaveAnswer).columns} == {"id", "wave_id", "respondent", "rater", "target",
                                                             *DIMS}
    # No table points at a code: nothing but its wave and its used flag goes with it.
    for table in db.metadata.sorted_tables:
        assert all(fk.column.table.name != "wave_code" for fk in table.foreign_keys), table.name
    stored = []
    for table in db.metadata.sorted_tables:
        stored += [str(value) for row in db.session.execute(select(table)) for value in row]
    everything = " ".join(stored).upper()
    for code in codes:
        assert code not in everything and survey.shown_code(code) not in everything


def test_the_codes_sheet_prints_a_dozen_slips_a_page(client, admin):
    wave, _link = open_wave(client, admin)
    sheet = issue(client, admin, wave, 13).get_data(as_text=True)
    assert sheet.count('<li class="code-slip">') == 13 and 'class="code-sheet-page"' in sheet
    pages = sheet.split('<ol class="code-sheet"')[1:]
    assert [page.count('<li class="code-slip">') for page in pages] == [12, 1]
    css = client.get("/static/app.css").get_data(as_text=True)
    printing = css.split("@media print {", 1)[1]
    assert "grid-template-columns: repeat(3," in printing and "break-after: page" in printing


def test_answer_sources_count_imported_respondents_apart(app, roster):
    ids = {w.key: w.id for w in active_workgroups()}
    wave, token = survey.open_wave(unit_by_key("icu"), name="Mixed", kind="staff",
                                   invited={ids["nurses"]: 5, ids["rehab"]: 5}, actor=None, open_link=True)
    rows = ["respondent,rater_workgroup,target_workgroup," + ",".join(DIMS), "p1,rehab,nurses,4,4,4,4,4,4,4",
            "p2,rehab,nurses,3,3,3,3,3,3,3"]
    assert survey.import_csv(wave, "\n".join(rows), actor=None) == []
    send(app.test_client(), f"/s/{token}")
    fresh()
    assert survey.answer_sources(wave) == survey.Sources(by_code=0, by_link=1, imported=2)


def test_the_migration_keeps_every_answer_and_counts_the_open_link_ones(tmp_path):
    """On SQLite, rebuilding the wave table would have deleted every answer through ON DELETE CASCADE."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from .conftest import _make_app

    app = _make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with app.app_context():
        upgrade(revision="2102a6f4c19d")
        run = db.session.execute
        run(text("INSERT INTO unit (key, name, timezone, review_first, require_enrolled_tablets, created_at) "
                 "VALUES ('icu', 'ICU', 'UTC', true, false, CURRENT_TIMESTAMP)"))
        run(text("INSERT INTO workgroup (key, name) VALUES ('nurses', 'Nurses')"))
        run(text("INSERT INTO wave (unit_id, name, kind, token_hash, opened_at) "
                 "VALUES (1, 'Before', 'staff', 'h', CURRENT_TIMESTAMP)"))
        run(text("INSERT INTO wave_workgroup (wave_id, workgroup_id, invited) VALUES (1, 1, 9)"))
        for respondent in ["a" * 32, "a" * 32, "b" * 32, "0123abcd-p1"]:  # two by the link, one imported
            run(text("INSERT INTO wave_answer (wave_id, respondent, rater, target) VALUES (1, :r, 'nurses', 'x')"),
                {"r": respondent})
        db.session.commit()
        upgrade()
        assert run(text("SELECT COUNT(*) FROM wave_answer")).scalar() == 4
        assert run(text("SELECT COUNT(*) FROM wave_workgroup")).scalar() == 1
        assert run(text("SELECT codes_only, link_answers FROM wave")).one() == (False, 2)
        db.session.commit()
        downgrade(revision="2102a6f4c19d")
        assert run(text("SELECT COUNT(*) FROM wave_answer")).scalar() == 4
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL's row versions")
def test_postgresql_row_versions_do_not_tell_which_code_brought_which_answers(app, client, admin):
    from sqlalchemy import text

    wave, link = open_wave(client, admin)
    links = code_links(issue(client, admin, wave, 3))
    for url in (links[0], links[1], link):
        send(app.test_client(), url)
    fresh()
    code_versions = set(db.session.scalars(text("SELECT xmin::text FROM wave_code WHERE used")))
    answer_versions = list(db.session.scalars(text("SELECT xmin::text FROM wave_answer ORDER BY id")))
    wave_version = db.session.scalar(text("SELECT xmin::text FROM wave"))
    # Every used code and the wave were last written with the latest answers (here by the open link).
    assert code_versions == {wave_version} == {answer_versions[-1]}
    assert not code_versions & set(answer_versions[:-3])


def test_the_codes_page_offers_one_code_for_each_person_on_the_roster(app, client, admin):
    icu = unit_by_key("icu")
    wave, _link = survey.open_wave(icu, name="Baseline", kind="staff", invited={}, actor=None)
    url = f"/surveys/{wave.id}/codes"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input type="number" id="count" name="count"[^>]* value="3"', page)  # Nora, Ned and Phil
    assert "One slip for each of the 3 people on the unit’s roster." in page
    issue(client, admin, wave, 2)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'name="count"[^>]* value="1"', page) and "2 codes were issued already." in page
