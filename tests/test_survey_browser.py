"""Answering a survey wave on a phone, then seeing the figures once five people have answered."""

from playwright.sync_api import expect

from rcbingo.org.service import active_workgroups, unit_by_key
from rcbingo.survey import service as survey

from .conftest import PASSWORD
from .test_survey import answer


def test_a_wave_answered_on_a_phone_shows_its_figures_at_five_people(browser, live_server, app, roster,
                                                                    make_account):
    ids = {w.key: w.id for w in active_workgroups()}
    wave, token = survey.open_wave(unit_by_key("icu"), name="Baseline 2026", kind="staff",
                                   invited={ids["nurses"]: 8, ids["pharmacists"]: 4, ids["rehab"]: 4}, actor=None)
    make_account("admin@example.org", is_admin=True)
    link = f"/s/{token}"
    for _ in range(4):
        answer(app, link, "nurses", lambda target: 4)

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(live_server + link)
    phone.get_by_role("radio", name="Nurses").check()
    for target in ("Pharmacists", "Rehabilitation therapists"):
        section = phone.get_by_role("region", name=f"People in this workgroup: {target}")
        for item in section.locator("fieldset.survey-item").all():
            item.get_by_role("radio", name="4 Often").check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()

    phone.goto(live_server + "/sign-in")
    phone.get_by_label("Email").fill("admin@example.org")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.goto(f"{live_server}/surveys/{wave.id}")
    expect(phone.locator("p.lede")).to_contain_text("RC Index: 4.00")
    expect(phone.get_by_role("row", name="Nurses 4.00 moderate · n=5")).to_be_visible()
