"""Answering a survey wave on a phone, a step at a time at a person's pace, then seeing the figures once five
people have answered."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from rcbingo.extensions import db
from rcbingo.org.service import active_workgroups, unit_by_key
from rcbingo.survey import service as survey
from rcbingo.survey.models import WaveAnswer
from rcbingo.survey.rules import NOT_LISTED

from .conftest import fresh, sign_in_on
from .test_survey import DIMS, answer

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}
STEP_PAUSE_MS = 1000  # a person reads a step and taps on
ANSWER_PAUSE_MS = 600  # one answer after the other on a familiar scale
# What the person answers: a number, or "na" for "not applicable" (stored as no answer).
NURSES = dict(zip(DIMS, ["5", "4", "5", "na", "3", "4", "4"], strict=True))
PHARMACISTS = dict(zip(DIMS, ["2", "3", "na", "3", "2", "4", "3"], strict=True))


@pytest.fixture
def wave_link(roster):
    """A wave rating two workgroups, and its answer link."""
    ids = {w.key: w.id for w in active_workgroups()}
    _wave, token = survey.open_wave(unit_by_key("icu"), name="Baseline 2026", kind="staff",
                                    invited={ids["nurses"]: 8, ids["pharmacists"]: 4}, actor=None, open_link=True)
    return f"/s/{token}"


@pytest.fixture
def phone_context(browser, live_server):
    """Builder: a fresh touch phone (its own cookies), with the app's address as its base."""
    contexts = []

    def build(viewport=PHONE, **options):
        touch = viewport["width"] < 600
        context = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch, base_url=live_server,
                                      **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield build
    for context in contexts:
        context.close()


def stored_answers() -> list[WaveAnswer]:
    fresh()
    return list(db.session.scalars(select(WaveAnswer)))


def tap(page, locator, pause=STEP_PAUSE_MS):
    locator.tap()
    page.wait_for_timeout(pause)


def answer_step(page, target, answers):
    for dimension, value in answers.items():
        tap(page, page.locator(f"label[for='{target}-{dimension}-{value}']"), ANSWER_PAUSE_MS)


def scale_labels(page, target, dimension):
    return page.locator(f"fieldset.survey-item:has(input[name='{target}-{dimension}']) .scale label")


def assert_scale_on_one_row(page, target, dimension):
    boxes = [label.bounding_box() for label in scale_labels(page, target, dimension).all()]
    assert len(boxes) == 6  # five points and "not applicable"
    assert len({round(box["y"]) for box in boxes}) == 1, boxes
    assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes), boxes


def test_a_phone_answers_a_workgroup_per_step_and_nothing_is_stored_before_sending(phone_context, wave_link):
    phone = phone_context()
    phone.goto(wave_link)
    progress = phone.locator("[data-survey-progress]")
    nurses = phone.get_by_role("heading", name="People in this workgroup: Nurses")
    pharmacists = phone.get_by_role("heading", name="People in this workgroup: Pharmacists")
    next_step, back, send = (phone.get_by_role("button", name=name) for name in ("Next", "Back", "Send my answers"))
    expect(progress).to_have_text("Step 1 of 3")
    expect(phone.get_by_role("heading", name="Your own workgroup")).to_be_visible()
    expect(nurses).to_be_hidden()
    expect(send).to_be_hidden()
    expect(back).to_be_hidden()

    tap(phone, next_step)  # no workgroup chosen yet: the server's rule, said at once, linked to the question
    problem = phone.get_by_role("alert")
    expect(problem).to_have_text("Choose your own workgroup first.")
    expect(problem.get_by_role("link")).to_have_attribute("href", "#rater-nurses")
    expect(progress).to_have_text("Step 1 of 3")
    tap(phone, phone.locator("label[for='rater-nurses']"))
    expect(problem).to_be_hidden()
    tap(phone, next_step)
    expect(progress).to_have_text("Step 2 of 3")
    expect(nurses).to_be_focused()
    expect(phone.locator("#step-nurses .step-of")).to_have_text("Step 2 of 3")
    assert all(box >= 44 for box in (back.bounding_box()["height"], next_step.bounding_box()["height"]))
    assert_scale_on_one_row(phone, "nurses", "shared_goals")

    answer_step(phone, "nurses", NURSES)
    # The last item is in view, well below where the step began: the workgroup's name is still on screen,
    # above the item, not over it.
    assert phone.evaluate("window.scrollY") > 400
    expect(nurses).to_be_in_viewport()
    heading, last = nurses.bounding_box(), scale_labels(phone, "nurses", "problem_solving").first.bounding_box()
    assert 0 <= heading["y"] < 60 and heading["y"] + heading["height"] <= last["y"], (heading, last)
    phone.set_viewport_size(SMALL_PHONE)
    phone.wait_for_timeout(300)
    assert_scale_on_one_row(phone, "nurses", "problem_solving")
    phone.set_viewport_size(PHONE)
    assert stored_answers() == []

    tap(phone, next_step)
    expect(progress).to_have_text("Step 3 of 3")
    expect(pharmacists).to_be_focused()
    expect(next_step).to_be_hidden()
    answer_step(phone, "pharmacists", PHARMACISTS)

    tap(phone, back)  # the page's Back
    expect(progress).to_have_text("Step 2 of 3")
    expect(nurses).to_be_focused()
    for dimension, value in NURSES.items():
        expect(phone.locator(f"#nurses-{dimension}-{value}")).to_be_checked()
    phone.go_back()  # the phone's own Back walks the steps too, rather than leaving the answers behind
    phone.wait_for_timeout(STEP_PAUSE_MS)
    expect(progress).to_have_text("Step 1 of 3")
    expect(phone.locator("#rater-nurses")).to_be_checked()
    tap(phone, next_step)
    tap(phone, next_step)
    expect(progress).to_have_text("Step 3 of 3")
    for dimension, value in PHARMACISTS.items():
        expect(phone.locator(f"#pharmacists-{dimension}-{value}")).to_be_checked()
    assert stored_answers() == []  # nothing left the phone before sending

    tap(phone, send)
    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()
    rows = stored_answers()
    assert len({row.respondent for row in rows}) == 1
    assert {row.rater for row in rows} == {"nurses"}
    by_target = {row.target: {d: getattr(row, d) for d in DIMS} for row in rows}
    expected = {target: {d: None if v == "na" else int(v) for d, v in answers.items()}
                for target, answers in (("nurses", NURSES), ("pharmacists", PHARMACISTS))}
    assert by_target == expected


def test_the_server_still_judges_what_is_sent_and_reopens_the_step_in_question(phone_context, wave_link):
    phone = phone_context()
    phone.goto(wave_link)
    tap(phone, phone.locator("label[for='rater-pharmacists']"))
    tap(phone, phone.get_by_role("button", name="Next"))
    tap(phone, phone.locator("label[for='nurses-timely-na']"))
    # Sent past the page's own checks (as an old browser or a hand-made request would): nothing answered.
    phone.evaluate("document.querySelector('form[data-survey]').submit()")
    expect(phone.get_by_role("alert")).to_have_text("Answer at least one question before sending.")
    expect(phone.locator("[data-survey-progress]")).to_have_text("Step 2 of 3")  # where the questions are
    expect(phone.locator("#nurses-timely-na")).to_be_checked()
    tap(phone, phone.get_by_role("button", name="Back"))
    expect(phone.locator("#rater-pharmacists")).to_be_checked()
    assert stored_answers() == []


def test_without_javascript_the_survey_is_one_long_form(phone_context, wave_link):
    phone = phone_context(java_script_enabled=False)
    phone.goto(wave_link)
    for name in ("Your own workgroup", "People in this workgroup: Nurses", "People in this workgroup: Pharmacists"):
        expect(phone.get_by_role("heading", name=name)).to_be_visible()
    expect(phone.get_by_role("button", name="Send my answers")).to_be_visible()
    expect(phone.get_by_role("button", name="Next")).to_be_hidden()
    expect(phone.locator(".step-of").first).to_be_hidden()
    assert_scale_on_one_row(phone, "pharmacists", "accurate")


def violations(page) -> list[str]:
    """Every violation axe-core finds, whatever its impact."""
    from axe_playwright_python.sync_playwright import Axe

    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in Axe().run(page).response["violations"]]


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["390x844", "768x1024"])
def test_the_survey_steps_have_no_accessibility_violation(phone_context, wave_link, viewport):
    page = phone_context(viewport)
    page.goto(wave_link)
    page.get_by_role("button", name="Next").click()  # the problem shown
    expect(page.get_by_role("alert")).to_be_visible()
    found = {"first step, with a problem": violations(page)}
    page.locator("label[for='rater-pharmacists']").click()
    page.get_by_role("button", name="Next").click()
    page.locator("label[for='nurses-timely-4']").click()
    found["a workgroup's step"] = violations(page)
    page.get_by_role("button", name="Next").click()
    found["the last step"] = violations(page)
    assert found == {key: [] for key in found}


def test_a_wave_answered_on_a_phone_shows_its_figures_at_five_people_once_closed(browser, live_server, app, roster,
                                                                                 make_account):
    ids = {w.key: w.id for w in active_workgroups()}
    wave, token = survey.open_wave(unit_by_key("icu"), name="Baseline 2026", kind="staff",
                                   invited={ids["nurses"]: 8, ids["pharmacists"]: 4, ids["rehab"]: 4}, actor=None,
                                   open_link=True)
    make_account("admin@example.org", is_admin=True)
    link = f"/s/{token}"
    for _ in range(4):
        answer(app, link, "nurses", lambda target: 4)

    phone = browser.new_page(viewport=PHONE)
    phone.goto(live_server + link)
    phone.get_by_role("radio", name="Nurses").check()
    phone.get_by_role("button", name="Next").click()
    phone.get_by_role("button", name="Next").click()  # their own workgroup left unrated
    for target in ("Pharmacists", "Rehabilitation therapists"):
        section = phone.get_by_role("region", name=f"People in this workgroup: {target}")
        for item in section.locator("fieldset.survey-item").all():
            item.get_by_role("radio", name="4 Often").check()
        if target == "Pharmacists":
            phone.get_by_role("button", name="Next").click()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()

    sign_in_on(phone, "admin@example.org", live_server)
    phone.goto(f"{live_server}/surveys/{wave.id}")
    expect(phone.locator("p.lede")).to_contain_text("The figures are published when the wave closes.")
    expect(phone.locator("p.answer-sources")).to_contain_text("Respondents: 5")
    asked = []
    phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    phone.get_by_role("button", name="Close the wave").click()
    expect(phone.locator("p.lede")).to_contain_text("RC Index: 4.00")
    assert asked and "for good" in asked[0]  # closing asked first
    expect(phone.get_by_role("row", name="Nurses 4.00 moderate · n=5")).to_be_visible()
    phone.close()


# --- the survey's daily paths: "not listed", its length and staff title, closing too early, figures on a phone ---

def _wave(name="Baseline 2026", staff_title=""):
    ids = {w.key: w.id for w in active_workgroups()}
    return survey.open_wave(unit_by_key("icu"), name=name, kind="staff", staff_title=staff_title, actor=None,
                            invited={ids["nurses"]: 8, ids["pharmacists"]: 4}, open_link=True)


def test_a_colleague_whose_workgroup_is_not_listed_answers_a_survey_with_a_title_for_staff(phone_context, roster):
    _wave_row, token = _wave(staff_title="Working together on 4 West")
    phone = phone_context()
    phone.goto(f"/s/{token}")
    expect(phone.get_by_role("heading", name="Working together on 4 West")).to_be_visible()
    expect(phone.get_by_text("Baseline 2026")).to_have_count(0)  # the wave's internal name is not for staff
    expect(phone.get_by_text("About 3 minutes · 15 questions")).to_be_visible()
    phone.wait_for_timeout(1500)  # a person reads how long it takes
    tap(phone, phone.get_by_text("My workgroup is not listed"))
    tap(phone, phone.get_by_role("button", name="Next"))
    answer_step(phone, "nurses", NURSES)
    tap(phone, phone.get_by_role("button", name="Next"))
    tap(phone, phone.get_by_role("button", name="Send my answers"))
    expect(phone.get_by_text("Working together on 4 West · Intensive Care")).to_be_visible()
    stored = stored_answers()
    assert [(a.rater, a.target) for a in stored] == [(NOT_LISTED, "nurses")]


def test_an_administrator_is_warned_before_closing_a_wave_that_would_show_nothing(phone_context, roster,
                                                                                    make_account):
    make_account("admin@example.org", is_admin=True)
    wave, _token = _wave()
    for _ in range(3):
        survey.answer(wave, "nurses", {"pharmacists": dict.fromkeys(DIMS, 4)})
    page = phone_context()
    sign_in_on(page, "admin@example.org")
    page.goto(f"/surveys/{wave.id}")
    expect(page.get_by_text("Closing now would show nothing.")).to_be_visible()
    expect(page.get_by_text("it needs at least 2 more answers from one workgroup")).to_be_visible()
    page.wait_for_timeout(1500)  # they read it, and try anyway
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    tap(page, page.get_by_role("button", name="Close the wave"))
    assert asked and "it needs 2 more answers first" in asked[0]
    fresh()
    assert survey.open_waves([wave.unit_id])  # they chose to wait: the wave is still open


def test_a_coordinator_reads_the_figures_on_a_phone(phone_context, roster, make_account):
    make_account("admin@example.org", is_admin=True)
    wave, _token = _wave()
    for n in range(5):
        survey.answer(wave, "nurses", {"pharmacists": dict.fromkeys(DIMS, 3 + n % 2)})
    survey.close_wave(wave, actor=None)
    page = phone_context()
    sign_in_on(page, "admin@example.org")
    page.goto(f"/surveys/{wave.id}")
    page.wait_for_timeout(ANSWER_PAUSE_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    timely = page.locator(".hbar-row", has_text="Timely")
    expect(timely).to_contain_text("3.40")
    for part in (timely.locator(".hbar-label"), timely.locator(".hbar-value").first):
        size = float(part.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
        assert size >= 13, size  # read without zooming
    assert timely.locator(".hbar-track").bounding_box()["width"] >= 150
    rates = page.locator(".hbar-row", has_text="Nurses")
    expect(rates).to_contain_text("5 / 8 (62 %)")
