"""One determined person cannot undo the survey's anonymity: no figure while a wave is open, figures released
once at its close and never again, answer codes by default, a suspect wave said plainly, and stored data that
breaks the scoring's assumptions never makes a page fail. The attacks are tried over HTTP, as an attacker
would."""

import ast
import csv
import io
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rcbingo.audit.models import AuditEvent
from rcbingo.extensions import db
from rcbingo.org.service import active_workgroups, unit_by_key
from rcbingo.survey import service as survey
from rcbingo.survey.models import Wave, WaveAnswer

from .conftest import TEST_DATABASE_URL, Auth, csrf_from, fresh
from .test_survey import DIMS, close, open_wave

ROOT = Path(__file__).resolve().parent.parent
VICTIM = {"nurses": 1, "pharmacists": 5, "rehab": 2}  # the lone pharmacist's answers, one per rated workgroup


@pytest.fixture
def admin(roster, make_account, auth):
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    return auth


def send(url, rater, scores, browser=None):
    """One set of answers from a browser with a fresh cookie jar (or the given one): returns the answer."""
    from flask import current_app

    browser = browser or current_app.test_client()
    page = browser.get(url)
    if page.status_code != 200:
        return page
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "rater": rater}
    for target in ("nurses", "pharmacists", "rehab"):
        data.update({f"{target}-{d}": str(scores[target]) for d in DIMS})
    return browser.post(url, data=data)


def respondents(wave) -> int:
    fresh()
    return db.session.scalar(select(func.count(func.distinct(WaveAnswer.respondent)))
                             .where(WaveAnswer.wave_id == wave.id))


def numbers(html: str) -> set[str]:
    """Every figure on a page: 1.00 to 5.00."""
    return set(re.findall(r"\b[1-5]\.\d\d\b", html))


def open_by_form(client, admin, name="Baseline", invited=10, **choice):
    ids = {w.key: w.id for w in active_workgroups()}
    return client.post("/u/icu/surveys", data={
        "csrf_token": admin.csrf("/u/icu/surveys"), "name": name, "kind": "staff", **choice,
        "workgroups": [ids["nurses"], ids["pharmacists"], ids["rehab"]],
        **{f"invited-{ids[k]}": invited for k in ("nurses", "pharmacists", "rehab")}})


def test_a_new_wave_takes_answer_codes_and_the_open_link_is_a_choice_that_says_what_it_cannot_prevent(
        client, admin):
    form = client.get("/u/icu/surveys").get_data(as_text=True)
    assert 'value="codes" id="answer-codes" checked' in form
    assert "cannot stop one person from answering several times from fresh browsers" in form
    opened = open_by_form(client, admin)
    fresh()
    wave = survey.unit_waves(unit_by_key("icu"))[0]
    assert wave.codes_only and opened.headers["Location"].endswith(f"/surveys/{wave.id}/codes")
    open_by_form(client, admin, "Open one", answer_by="link")
    fresh()
    assert not survey.unit_waves(unit_by_key("icu"))[0].codes_only


def test_stuffing_a_new_wave_from_fresh_cookie_jars_stores_nothing_and_gives_nothing_back(app, client, admin):
    open_by_form(client, admin)
    fresh()
    wave = survey.unit_waves(unit_by_key("icu"))[0]
    url = f"/surveys/{wave.id}"
    # The attacker got hold of the wave's link (an administrator made one) and answers five times.
    shown = client.post(url, data={"csrf_token": admin.csrf(url), "action": "link"}).get_data(as_text=True)
    link = re.search(r'<code class="link">http://localhost(/s/[^<]+)</code>', shown).group(1)
    for _ in range(5):
        assert send(link, "pharmacists", {"nurses": 3, "pharmacists": 3, "rehab": 3}).status_code == 403
    codes = client.post(f"{url}/codes", data={"csrf_token": admin.csrf(f"{url}/codes"), "action": "issue",
                                              "count": 1}).get_data(as_text=True)
    slip = re.search(r'<p class="slip-link">http://localhost(/s/code/[0-9A-Z]+)</p>', codes).group(1)
    assert "Your answers are in" in send(slip, "pharmacists", VICTIM).get_data(as_text=True)
    assert respondents(wave) == 1
    close(client, admin, wave)
    page, export = client.get(url).get_data(as_text=True), client.get(f"{url}/figures.csv").get_data(as_text=True)
    assert "5.00" not in page + export and "1.00" not in page + export and "2.00" not in page + export
    assert numbers(page) == numbers(export) == set()


def test_stuffing_an_open_link_shows_no_figure_while_open_and_marks_the_wave_suspect(app, client, admin):
    open_by_form(client, admin, invited=1, answer_by="link")
    fresh()
    wave = survey.unit_waves(unit_by_key("icu"))[0]
    link = re.search(r'<code class="link">http://localhost(/s/[^<]+)</code>',
                     client.post(f"/surveys/{wave.id}", data={"csrf_token": admin.csrf(f"/surveys/{wave.id}"),
                                                              "action": "link"}).get_data(as_text=True)).group(1)
    send(link, "pharmacists", VICTIM)
    for _ in range(4):  # one person, four fresh cookie jars: the open link cannot tell
        assert "Your answers are in" in send(link, "pharmacists", dict.fromkeys(VICTIM, 3)).get_data(as_text=True)
    url = f"/surveys/{wave.id}"
    page = client.get(url).get_data(as_text=True)
    assert numbers(page) == set() and client.get(f"{url}/figures.csv").status_code == 404
    assert "Suspect wave." in page  # five pharmacists answered where one was invited
    assert "Suspect: more answered than were invited." in client.get("/manage").get_data(as_text=True)
    close(client, admin, wave)
    assert "Suspect wave." in client.get(url).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get(f"{url}/figures.csv").get_data(as_text=True))))
    assert rows[1][:2] == ["warning", "suspect"] and "more people answered than were invited" in rows[1][2]
    assert "suspect: more answers than people invited" in client.get("/admin/organization").get_data(as_text=True)


def test_figures_before_and_after_one_more_answer_give_nothing_away(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(5):
        send(link, "nurses", {"nurses": 4, "pharmacists": 4, "rehab": 4})
    url = f"/surveys/{wave.id}"
    before = client.get(url).get_data(as_text=True)
    assert client.get(f"{url}/figures.csv").status_code == 404
    send(link, "pharmacists", VICTIM)  # the one new answer the attacker wants to read
    after = client.get(url).get_data(as_text=True)
    assert numbers(before) == numbers(after) == set()  # counts of people, never a figure
    assert "Respondents: 5" in before and "Respondents: 6" in after

    close(client, admin, wave)
    released, export = client.get(url).get_data(as_text=True), client.get(f"{url}/figures.csv").get_data()
    assert "4.00" in released
    # Nothing changes the released figures: an answer by link or code, an import, a new link, a lower threshold.
    assert send(link, "pharmacists", dict.fromkeys(VICTIM, 1)).status_code == 404
    with pytest.raises(survey.WaveClosed):
        survey.answer(wave, "pharmacists", {"nurses": dict.fromkeys(DIMS, 1)})
    rows = ["respondent,rater_workgroup,target_workgroup," + ",".join(DIMS)] + [
        f"p{n},pharmacists,nurses,{','.join(['1'] * 7)}" for n in range(5)]
    imported = client.post(url, data={"csrf_token": admin.csrf(url), "action": "import",
                                      "file": (io.BytesIO("\n".join(rows).encode()), "late.csv")},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Nothing was imported" in imported and "the wave is closed" in imported
    client.post(url, data={"csrf_token": admin.csrf(url), "action": "link"})
    client.post(url, data={"csrf_token": admin.csrf(url), "action": "close"})
    app.config["SURVEY_MIN_RESPONDENTS"] = 3
    assert respondents(wave) == 6
    assert client.get(f"{url}/figures.csv").get_data() == export
    assert numbers(client.get(url).get_data(as_text=True)) == numbers(released)


def test_the_rating_map_leaves_no_lone_rating_to_subtract(app, client, admin):
    """Five nurses and five rehab therapists answer; only one therapist rates the pharmacists. The pharmacists'
    "rated by others" (six people) less the nurses' cell would give that one rating away."""
    wave, link = open_wave(client, admin)
    for _ in range(5):
        send(link, "nurses", {"nurses": 4, "pharmacists": 4, "rehab": 3})
    send(link, "rehab", {"nurses": 2, "pharmacists": 1, "rehab": 5})
    for _ in range(4):
        browser = app.test_client()
        page = browser.get(link).get_data(as_text=True)
        browser.post(link, data={"csrf_token": csrf_from(page), "rater": "rehab", **{f"nurses-{d}": "2" for d in DIMS}})
    close(client, admin, wave)
    html = client.get(f"/surveys/{wave.id}").get_data(as_text=True)
    matrix = html.split('class="table matrix"')[1].split("</table>")[0] if 'class="table matrix"' in html else ""
    assert "4.00" not in matrix  # the nurses' rating of the pharmacists is withheld
    assert "1.00" not in html  # and so is the lone therapist's rating of them, whichever way round


def test_a_wave_closed_before_figures_were_frozen_releases_them_once(app, client, admin):
    wave, link = open_wave(client, admin)
    for _ in range(5):
        send(link, "nurses", {"nurses": 4, "pharmacists": 3, "rehab": 3})
    fresh()
    db.session.get(Wave, wave.id).closed_at = db.func.now()  # closed the old way: no figures kept
    db.session.commit()
    first = client.get(f"/surveys/{wave.id}/figures.csv").get_data()
    assert b"3.00" in first
    fresh()  # answers that slipped in anyhow change nothing released
    db.session.add(WaveAnswer(wave_id=wave.id, respondent="x" * 32, rater="nurses", target="rehab",
                              **dict.fromkeys(DIMS, 1)))
    db.session.commit()
    assert client.get(f"/surveys/{wave.id}/figures.csv").get_data() == first


def test_stored_answers_that_break_the_scorings_assumptions_never_make_a_page_fail(app, client, admin,
                                                                                   make_account):
    wave, link = open_wave(client, admin)
    for _ in range(5):
        send(link, "nurses", {"nurses": 4, "pharmacists": 3, "rehab": 3})
    odd = [("two-groups", "nurses", "rehab", 4), ("two-groups", "rehab", "nurses", 4),  # one person, two groups
           ("twice", "rehab", "nurses", 3), ("twice", "rehab", "nurses", 5),  # one workgroup rated twice
           ("out-of-range", "rehab", "nurses", 9), ("negative", "rehab", "pharmacists", -3),
           ("stranger", "k" * 40, "nurses", 4), ("empty", "", "", 4), ("zero", "rehab", "rehab", 0)]
    fresh()
    db.session.add_all(WaveAnswer(wave_id=wave.id, respondent=who, rater=rater, target=target,
                                  **dict.fromkeys(DIMS, value)) for who, rater, target, value in odd)
    db.session.commit()
    coordinator = app.test_client()
    make_account("c@example.org", roles=[("icu", "coordinator")])
    Auth(coordinator).sign_in("c@example.org")
    url = f"/surveys/{wave.id}"
    pages = ["/u/icu/surveys", url, f"{url}/codes", "/admin/organization", "/manage"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    assert coordinator.get(url).status_code == 200 and coordinator.get("/manage").status_code == 200
    close(client, admin, wave)
    for page in [*pages, f"{url}/figures.csv"]:
        assert client.get(page).status_code == 200, page
    html = client.get(url).get_data(as_text=True)
    assert "stored ratings could not be read and are left out" in html
    assert coordinator.get(url).status_code == 200 and coordinator.get(f"{url}/figures.csv").status_code == 200


def imported(client, admin, wave, rows):
    url = f"/surveys/{wave.id}"
    lines = ["respondent,rater_workgroup,target_workgroup," + ",".join(DIMS), *rows]
    return client.post(url, data={"csrf_token": admin.csrf(url), "action": "import",
                                  "file": (io.BytesIO("\n".join(lines).encode()), "paper.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)


def test_imported_respondent_ids_are_never_cut_and_never_collide(client, admin):
    wave, _link = open_wave(client, admin)
    long = "respondent-from-the-paper-forms-of-march-"  # 41 characters: ids used to be cut to fit 36
    rows = [f"{long}{n},rehab,nurses,4,4,4,4,4,4,4" for n in range(5)]
    rows += [f"{long}{n},rehab,pharmacists,3,3,3,3,3,3,3" for n in range(5)]
    assert "Responses imported." in imported(client, admin, wave, rows)
    assert "Responses imported." in imported(client, admin, wave, rows)  # the same ids again: other people
    assert respondents(wave) == 10
    stored = set(db.session.scalars(select(WaveAnswer.respondent).where(WaveAnswer.wave_id == wave.id)))
    assert all(re.fullmatch(r"[0-9a-f]{32}", r) for r in stored)  # nothing of the file's ids is kept
    close(client, admin, wave)
    for page in (f"/surveys/{wave.id}", f"/surveys/{wave.id}/figures.csv", "/admin/organization"):
        assert client.get(page).status_code == 200, page
    assert "3.50" in client.get(f"/surveys/{wave.id}").get_data(as_text=True)  # ten rehab indices of 3.5


def test_an_import_naming_a_workgroup_outside_the_wave_stores_nothing_and_says_which_line(client, admin):
    wave, _link = open_wave(client, admin)
    page = imported(client, admin, wave, ["p1,rehab,nurses,4,4,4,4,4,4,4", f"p2,{'w' * 60},nurses,4,4,4,4,4,4,4"])
    assert "Nothing was imported: line 3:" in page and "is not a workgroup of this wave" in page
    assert respondents(wave) == 0
    page = imported(client, admin, wave, [f"p1,{'w' * 5000},nurses,4,4,4,4,4,4,4"])
    assert "is not a workgroup of this wave" in page and "w" * 61 not in page  # a long cell is quoted short
    assert respondents(wave) == 0


def test_no_code_outside_the_release_reads_answers_for_display():
    """Released figures have one way out: service.release(), which freezes them at the close. Only the survey's
    models and service name WaveAnswer; in the service, only _responses() loads answers, for _scored(), which
    only _freeze() calls; nothing outside the survey scores stored answers."""
    package = ROOT / "rcbingo"
    allowed = {package / "survey" / "models.py", package / "survey" / "service.py"}
    for path in package.rglob("*.py"):
        if "migrations" in path.parts or path in allowed:
            continue
        source = path.read_text()
        assert "WaveAnswer" not in source and "wave_answer" not in source, path
        assert not re.search(r"(?<!\w)_(responses|scored|freeze)\b", source), path
    tree = ast.parse((package / "survey" / "service.py").read_text())
    callers: dict[str, set[str]] = {}
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                callers.setdefault(name, set()).add(function.name)
        if function.name != "_responses":
            selects = [node for node in ast.walk(function) if isinstance(node, ast.Call)
                       and getattr(node.func, "id", None) == "select" and node.args
                       and getattr(node.args[0], "id", None) == "WaveAnswer"]
            assert not selects, f"{function.name} loads whole answers"
            names = {node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute)
                     and getattr(node.value, "id", None) == "WaveAnswer"}
            assert not names & set(DIMS), f"{function.name} reads answers"
    assert callers["_responses"] == {"_scored"}
    assert callers["_scored"] == {"_freeze"}
    assert callers["_freeze"] == {"close_wave", "release", "_freeze"}
    assert callers["score"] == {"_scored"}


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL's row locks (TEST_DATABASE_URL)")
def test_an_answer_sent_while_the_wave_closes_waits_and_is_not_stored(app, client, admin):
    """The close holds the wave's row while it computes the figures: an answer sent meanwhile waits for it, then
    finds the wave closed and stores nothing, so no answer lands after the figures were released."""
    import psycopg

    wave, link = open_wave(client, admin)
    phone = app.test_client()
    page = phone.get(link).get_data(as_text=True)
    closing = psycopg.connect(db.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""))
    closing.execute("UPDATE wave SET closed_at = now() WHERE id = %s", (wave.id,))
    sent = []

    def send_answers():
        data = {"csrf_token": csrf_from(page), "rater": "nurses", **{f"rehab-{d}": "1" for d in DIMS}}
        sent.append(phone.post(link, data=data))

    sending = threading.Thread(target=send_answers)
    sending.start()
    sending.join(1)
    assert sending.is_alive()  # waiting for the close
    closing.commit()
    closing.close()
    sending.join(10)
    assert sent[0].status_code == 410 and "This survey is closed" in sent[0].get_data(as_text=True)
    assert respondents(wave) == 0


def test_no_two_released_figures_give_one_persons_answers_away_by_subtraction(client, admin):
    """The tester's attack, imported into a code wave: 5 nurses rate only the pharmacists, one nurse (the victim)
    only the rehab therapists (1,2,1,2,1,1,2: 10/7), 5 pharmacists only the rehab therapists. Before, the nurses'
    index 3.45 (6), the pharmacists' 4.11 (5), the rehab therapists' "rated by others" 3.67 (6) and the nurses' cell
    of the pharmacists 3.86 gave 6 x 3.67 - 5 x 4.11 = 6 x 3.45 - 5 x 3.86 = 10/7, the victim's score."""
    open_by_form(client, admin)
    fresh()
    wave = survey.unit_waves(unit_by_key("icu"))[0]
    rows = [f"n{i},nurses,pharmacists,4,4,4,4,4,4,3" for i in range(5)]
    rows += ["victim,nurses,rehab,1,2,1,2,1,1,2"]
    rows += [f"p{i},pharmacists,rehab,4,4,4,4,4,4,{5 if i else 4}" for i in range(5)]
    assert "Responses imported." in imported(client, admin, wave, rows)
    close(client, admin, wave)
    url = f"/surveys/{wave.id}"
    figures = list(csv.reader(io.StringIO(client.get(f"{url}/figures.csv").get_data(as_text=True))))[1:]
    shown = {(section, key): (Decimal(value), int(n)) for section, key, value, n, _band in figures}
    assert shown[("workgroups", "nurses")] == (Decimal("3.45"), 6)
    assert shown[("workgroups", "pharmacists")] == (Decimal("4.11"), 5)
    assert ("rated_by_others", "rehab") not in shown and ("rated_by_others", "pharmacists") not in shown
    page = client.get(url).get_data(as_text=True)
    assert "3.86" not in page and "3.67" not in page
    # Whatever two shown figures one subtracts, one person's score does not come out.
    for (value, n), (other, m) in ((a, b) for a in shown.values() for b in shown.values()):
        if n - m == 1:
            assert abs(n * value - m * other - Decimal(10) / 7) > Decimal("0.1")


def test_an_open_link_needs_every_invited_count_and_the_form_keeps_what_was_typed(client, admin):
    """Without invited counts, a stuffed open link was never suspect. The form refuses the open link until every
    rated workgroup's invited staff are counted, and loses nothing typed."""
    ids = {w.key: w.id for w in active_workgroups()}
    page = client.post("/u/icu/surveys", data={
        "csrf_token": admin.csrf("/u/icu/surveys"), "name": "Spring pulse", "kind": "staff", "answer_by": "link",
        "workgroups": [ids["nurses"], ids["pharmacists"], ids["rehab"]],
        f"invited-{ids['nurses']}": 12, f"invited-{ids['pharmacists']}": "", f"invited-{ids['rehab']}": 0,
    }).get_data(as_text=True)
    assert "An open link needs how many staff of each rated workgroup are invited" in page
    assert "Fill in the invited staff of: Pharmacists, Rehabilitation therapists." in page
    fresh()
    assert survey.unit_waves(unit_by_key("icu")) == []
    assert 'value="Spring pulse"' in page and f'id="invited-{ids["nurses"]}" value="12"' in page
    assert 'id="answer-link" aria-describedby="answer-link-hint" checked' in page
    assert all(f'id="wg-{ids[k]}" checked' in page for k in ("nurses", "pharmacists", "rehab"))
    with pytest.raises(ValueError):
        survey.open_wave(unit_by_key("icu"), name="x", kind="staff", invited={ids["nurses"]: 3, ids["rehab"]: 0},
                         actor=None, open_link=True)
    # A code wave may leave them blank; it then cannot be switched to the open link.
    client.post("/u/icu/surveys", data={"csrf_token": admin.csrf("/u/icu/surveys"), "name": "Codes",
                                        "kind": "staff", "workgroups": [ids["nurses"], ids["rehab"]]})
    fresh()
    wave = survey.unit_waves(unit_by_key("icu"))[0]
    url = f"/surveys/{wave.id}/codes"
    switched = client.post(url, data={"csrf_token": admin.csrf(url), "action": "mode", "codes_only": "no"},
                           follow_redirects=True).get_data(as_text=True)
    assert "it keeps taking answer codes only" in switched
    fresh()
    assert survey.unit_waves(unit_by_key("icu"))[0].codes_only


def test_a_stuffed_open_link_wave_is_suspect_and_its_page_says_its_figures_rest_on_honesty(app, client, admin):
    open_by_form(client, admin, invited=2, answer_by="link")
    fresh()
    wave = survey.unit_waves(unit_by_key("icu"))[0]
    url = f"/surveys/{wave.id}"
    assert "rest on the honesty of its respondents" in client.get(url).get_data(as_text=True)
    link = re.search(r'<code class="link">http://localhost(/s/[^<]+)</code>',
                     client.post(url, data={"csrf_token": admin.csrf(url), "action": "link"}).get_data(as_text=True)
                     ).group(1)
    for _ in range(3):  # three fresh browsers where two pharmacists were invited
        send(link, "pharmacists", dict.fromkeys(VICTIM, 3))
    assert "Suspect wave." in client.get(url).get_data(as_text=True)
    open_by_form(client, admin, "By codes")
    fresh()
    coded = survey.unit_waves(unit_by_key("icu"))[0]
    assert "rest on the honesty" not in client.get(f"/surveys/{coded.id}").get_data(as_text=True)


def test_a_csv_with_only_its_header_says_it_has_no_responses_and_stores_nothing(client, admin):
    wave, _link = open_wave(client, admin)
    page = imported(client, admin, wave, [])
    assert "Responses imported." not in page
    assert "Nothing was imported: line 1: the file has no responses, only its header row" in page
    assert respondents(wave) == 0
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.detail.like("imported%"))).all()
