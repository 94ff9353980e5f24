"""The monthly newsletter: which stories go in, editing, publishing, and the HTML and PDF exports."""

import re
import shutil
import subprocess
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from rcbingo.audit.models import AuditEvent
from rcbingo.cards import service as cards
from rcbingo.cards.models import Card
from rcbingo.cards.rules import Draft, Entry
from rcbingo.database import write_transaction
from rcbingo.extensions import db
from rcbingo.newsletter import rules
from rcbingo.newsletter import service as newsletter
from rcbingo.newsletter.models import IssueState
from rcbingo.org.service import save_unit_settings, unit_by_key

from .conftest import fresh

CHICAGO = "America/Chicago"


def story(**changes) -> rules.StoryCard:
    fields = {"id": 1, "status": "published", "consent_publish": True,
              "published_at": datetime(2026, 11, 15, 12, tzinfo=UTC), "unit_id": 1, "nominator_name": "Nora Nurse",
              "show_nominator_name": True, "nominator_workgroup": 1, "nominee_workgroups": (2,),
              "nominee_names": ("Phil Pharma",), "dimensions": ("timely",)}
    return rules.StoryCard(**{**fields, **changes})


def test_a_month_runs_from_midnight_to_midnight_in_the_units_time_zone():
    start, end = rules.month_bounds(2026, 11, CHICAGO)
    assert start == datetime(2026, 11, 1, 5, tzinfo=UTC)  # CDT ended on 1 November at 2am: midnight was UTC-5
    assert end == datetime(2026, 12, 1, 6, tzinfo=UTC)  # CST: UTC-6
    assert rules.month_bounds(2026, 12, "UTC")[1] == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("published_at", "included"), [
    (datetime(2026, 11, 1, 4, 59, tzinfo=UTC), False),   # 23:59 on 31 October in Chicago
    (datetime(2026, 11, 1, 5, 0, tzinfo=UTC), True),     # midnight, 1 November in Chicago
    (datetime(2026, 12, 1, 5, 59, tzinfo=UTC), True),    # 23:59 on 30 November in Chicago
    (datetime(2026, 12, 1, 6, 0, tzinfo=UTC), False),    # midnight, 1 December
])
def test_the_month_boundary_is_the_units_midnight(published_at, included):
    start, end = rules.month_bounds(2026, 11, CHICAGO)
    assert rules.in_issue(story(published_at=published_at), start, end) is included


@pytest.mark.parametrize(("changes", "included"), [
    ({}, True),
    ({"consent_publish": False}, False),
    ({"status": "submitted"}, False),
    ({"status": "rejected"}, False),
    ({"status": "withdrawn"}, False),
    ({"published_at": None}, False),
])
def test_only_published_consented_stories_go_in(changes, included):
    start, end = rules.month_bounds(2026, 11, "UTC")
    assert rules.in_issue(story(**changes), start, end) is included


def test_a_writer_who_asked_not_to_be_named_is_a_colleague():
    assert rules.writer(story()) == "Nora Nurse"
    assert rules.writer(story(show_nominator_name=False)) == "a colleague"


def test_stories_group_by_first_dimension_or_first_other_workgroup():
    card = story(dimensions=("accurate", "shared_goals"), nominee_workgroups=(1, 3, 2))
    assert rules.group_key(card, "dimension") == "shared_goals"
    assert rules.group_key(card, "workgroup") == 3


def test_figures_count_cards_people_pairs_and_who_was_left_out():
    cards_ = [story(), story(id=2, nominee_workgroups=(2, 3), nominee_names=("Phil Pharma", "Rita Rehab")),
              story(id=3, nominator_workgroup=2, nominee_workgroups=(1,), nominee_names=("Nora Nurse",))]
    result = rules.figures(cards_, [1, 2, 3, 4])
    assert (result.cards, result.people_recognised, result.cross_profession_pairs) == (3, 3, 3)
    assert result.workgroups_recognised == (1, 2, 3) and result.workgroups_not_recognised == (4,)


@dataclass
class Played:
    title: str
    starts_at: datetime | None
    ends_at: datetime | None = None


def nov(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC) if day <= 30 else datetime(2026, 12, day - 30, hour, tzinfo=UTC)


def test_a_months_issue_shows_the_games_that_ran_that_month_not_todays():
    start, end = rules.month_bounds(2026, 11, "UTC")
    games = [Played("Spring bingo", nov(37)), Played("Autumn bingo", datetime(2026, 10, 20, tzinfo=UTC), nov(25)),
             Played("Not started", None), Played("Summer bingo", datetime(2026, 7, 1, tzinfo=UTC), nov(1, 0)),
             Played("Winter warm-up", nov(26)), Played("Last hour", nov(30, 23))]
    assert [g.title for g in rules.games_of_month(games, start, end)] == ["Autumn bingo", "Winter warm-up",
                                                                          "Last hour"]
    assert [g.title for g in rules.games_of_month(games, *rules.month_bounds(2026, 12, "UTC"))] == [
        "Winter warm-up", "Last hour", "Spring bingo"]


def test_a_months_boards_are_shown_at_its_end_or_now_while_it_runs():
    start, end = rules.month_bounds(2026, 11, "UTC")
    assert rules.board_moment(start, end, nov(37)) == end
    assert rules.board_moment(start, end, nov(15)) == nov(15)


MONTHS_EN = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "november": 11, "nov": 11,
             "noviembre": 11, "may": 5, "june": 6, "jun": 6, "junio": 6, "july": 7, "jul": 7}


@pytest.mark.parametrize("typed", ["11 2026", "11/2026", "2026-11", "2026/11", "Nov 2026", "November 2026",
                                   "nov. 2026", "NOV 2026", " november, 2026 ", "2026 November", "11.2026",
                                   "noviembre de 2026", "novem 2026", "11-2026"])
def test_a_month_is_read_as_people_write_it(typed):
    assert rules.parse_month(typed, MONTHS_EN) == (2026, 11)


@pytest.mark.parametrize("typed", ["", "2026", "11", "13 2026", "0 2026", "11/26", "11 1999", "Nov", "Nov 11",
                                   "ju 2026", "2026 2027", "11 12 2026", "next month", "ma 2026", "011 2026",
                                   "<script>alert(1)</script>"])
def test_what_is_not_one_month_is_not_guessed(typed):
    assert rules.parse_month(typed, MONTHS_EN) is None


def test_the_month_field_reads_english_names_and_those_of_the_pages_language(app):
    from flask_babel import force_locale

    from rcbingo.newsletter.forms import month_names

    with app.test_request_context(), force_locale("es"):
        names = month_names()
    for typed, month in [("diciembre de 2026", 12), ("dic. 2026", 12), ("December 2026", 12), ("ene 2026", 1),
                         ("Sept 2026", 9), ("sep. 2026", 9)]:
        assert rules.parse_month(typed, names) == (2026, month), typed


# --- over the database -----------------------------------------------------------------------

NURSE, PHARMACIST = Entry("Nora Nurse", "nurses", "icu"), Entry("Phil Pharma", "pharmacists", "icu")
THIS_MONTH = date.today().replace(day=1)


def publish(story_text, **changes):
    draft = Draft(nominator=NURSE, nominees=(PHARMACIST,), dimensions=frozenset({"timely"}), story=story_text,
                  **changes)
    card, _ = cards.submit(draft, unit_by_key("icu"), uuid.uuid4().hex)
    return card


@pytest.fixture
def icu(app, roster):
    save_unit_settings(unit_by_key("icu"), review_first=False, require_enrolled_tablets=False, actor=None)
    return unit_by_key("icu")


def test_a_draft_gathers_the_months_shareable_stories(icu, make_account):
    publish("Shared and counted.")
    publish("Counted but private.", consent_publish=False)
    anonymous = publish("From someone shy.", show_nominator_name=False)
    old = publish("Last month's story.")
    with write_transaction() as session:
        session.merge(old).published_at = datetime.now(UTC) - timedelta(days=45)
    withdrawn = publish("Taken back.")
    cards.withdraw(withdrawn, "Asked by the writer", actor=make_account())
    issue = newsletter.draft(icu, THIS_MONTH)
    assert [s.story for s in issue.stories] == ["Shared and counted.", "From someone shy."]
    html = newsletter.render(issue)
    assert "— <bdi>a colleague</bdi>" in html and "From someone shy." in html
    assert anonymous.nominator_name not in html.split("From someone shy.")[1][:120]
    assert "Counted but private." not in html and "Taken back." not in html
    assert re.search(r"<strong[^>]*>3</strong><span[^>]*>cards</span>", html)  # the private card still counts


LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
MONTH_BEFORE = (LAST_MONTH - timedelta(days=1)).replace(day=1)


def noon(month: date, day: int) -> datetime:
    return datetime(month.year, month.month, day, 12, tzinfo=UTC)


def recognise(dimensions: set[str], story_text: str = "Phil called back.") -> Card:
    card, _ = cards.submit(Draft(nominator=NURSE, nominees=(PHARMACIST,), dimensions=frozenset(dimensions),
                                 story=story_text), unit_by_key("icu"), uuid.uuid4().hex)
    return card


def two_months_of_games(icu) -> None:
    """"Autumn bingo" ran from the 20th of the month before last to the 25th of last month; "Spring bingo" started
    today. Pharmacists covered Shared Goals the month before last, Timely and Accurate last month, and two more
    squares today, in the new game."""
    from rcbingo.board import service as board
    from rcbingo.org.service import active_workgroups

    ids = [w.id for w in active_workgroups() if w.key in ("nurses", "pharmacists")]
    autumn = board.create_game(icu, title="Autumn bingo", workgroup_ids=ids, start_now=True)
    early, late = recognise({"shared_goals"}), recognise({"timely", "accurate"})
    board.close_game(autumn)
    with write_transaction() as session:
        game = session.merge(autumn)
        game.starts_at, game.ends_at = noon(MONTH_BEFORE, 20), noon(LAST_MONTH, 25)
        session.merge(early).published_at = noon(MONTH_BEFORE, 25)
        session.merge(late).published_at = noon(LAST_MONTH, 10)
    board.create_game(icu, title="Spring bingo", workgroup_ids=ids, start_now=True)
    recognise({"frequent", "mutual_respect"})


def shown(html: str) -> str:
    """The page's words as a reader sees them, tags left out."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_each_issue_shows_the_board_of_its_month_as_it_stood_at_the_months_end(icu, make_account):
    two_months_of_games(icu)
    before = newsletter.render(newsletter.draft(icu, MONTH_BEFORE))
    assert "Autumn bingo" in before and "Spring bingo" not in before
    assert "Pharmacists 1 of 7 Shared Goals" in shown(before)
    last = newsletter.draft(icu, LAST_MONTH)
    html = newsletter.render(last)
    assert "Autumn bingo" in html and "Spring bingo" not in html
    assert "Pharmacists 3 of 7 Shared Goals, Timely, Accurate Nurses 0 of 7 none yet" in shown(html)
    assert "Pharmacists 3 of 7, Nurses 0 of 7." in html  # the picture's alt text
    now = newsletter.render(newsletter.draft(icu, THIS_MONTH))
    assert "Spring bingo" in now and "Autumn bingo" not in now
    assert "Pharmacists 2 of 7 Mutual Respect, Frequent" in shown(now)

    newsletter.publish(last, actor=make_account())
    recognise({"problem_solving"})
    fresh()
    assert newsletter.render(db.session.get(type(last), last.id)) == html  # frozen as published


@pytest.mark.parametrize("whole_organization", [False, True], ids=["a unit's issue", "the organization's"])
def test_six_editors_compiling_one_month_at_once_make_one_draft(app, icu, whole_organization):
    from rcbingo.newsletter.models import Issue, IssueStory

    for n in range(3):
        publish(f"Story {n} of the month.")
    failures, barrier = [], threading.Barrier(6)

    def compile_month():
        with app.app_context():
            try:
                unit = None if whole_organization else unit_by_key("icu")
                barrier.wait()
                newsletter.draft(unit, THIS_MONTH)
            except Exception as failure:  # what a request would have answered 500 for
                failures.append(repr(failure))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=compile_month) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    fresh()
    [issue] = db.session.scalars(select(Issue))
    assert issue.unit_id == (None if whole_organization else icu.id)
    assert db.session.scalar(select(func.count()).select_from(IssueStory)) == 3


def test_refreshing_a_draft_keeps_edits_and_order_and_adds_new_stories(icu, make_account):
    editor = make_account("ed@example.org", roles=[("icu", "editor")])
    first, second = publish("First."), publish("Second.")
    issue = newsletter.draft(icu, THIS_MONTH)
    ids = [s.id for s in issue.stories]
    newsletter.move_story(issue, ids[1], -1)
    newsletter.edit_story(issue, ids[0], practice="", text="First, lightly edited.", actor=editor)
    newsletter.set_excluded(issue, ids[1], True)
    publish("Third.")
    fresh()
    issue = newsletter.draft(icu, THIS_MONTH)
    assert [(s.story, s.excluded) for s in issue.stories] == [
        ("Second.", True), ("First, lightly edited.", False), ("Third.", False)]
    assert db.session.get(Card, first.id).story == "First."  # the card keeps its original
    assert second.id in {s.card_id for s in issue.stories}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "newsletter_story_edited")) is not None


def test_a_published_issue_is_frozen_and_a_correction_is_a_new_version(icu, make_account):
    editor = make_account("ed@example.org", roles=[("icu", "editor")])
    card = publish("Before publication.")
    issue = newsletter.draft(icu, THIS_MONTH)
    newsletter.publish(issue, actor=editor)
    with write_transaction() as session:
        session.merge(card).story = "Changed afterwards on the card."
    fresh()
    assert "Before publication." in newsletter.render(issue)
    with pytest.raises(newsletter.IssueError):
        newsletter.update_issue(issue, title="New", intro="", grouping="dimension", actor=editor)
    assert newsletter.draft(icu, THIS_MONTH).id == issue.id  # a scheduled refresh leaves it alone
    correction = newsletter.correct(issue, actor=editor)
    assert (correction.version, correction.state) == (2, IssueState.DRAFT)
    assert [s.story for s in correction.stories] == ["Before publication."]


def test_a_change_sent_from_a_page_loaded_before_publication_is_refused(app, icu, make_account):
    """Two requests at once: this one loaded the issue as a draft, and another published it meanwhile."""
    editor = make_account("ed@example.org", roles=[("icu", "editor")])
    publish("Before publication.")
    page_loaded_before = draft = newsletter.draft(icu, THIS_MONTH)
    story_id = page_loaded_before.stories[0].id
    with app.app_context():  # the other request, with its own session
        newsletter.publish(newsletter.draft(unit_by_key("icu"), THIS_MONTH), actor=editor)
    assert page_loaded_before.state is IssueState.DRAFT  # as this request still sees it
    for change in (lambda: newsletter.update_issue(page_loaded_before, title="Late", intro="late", grouping="dimension",
                                                   actor=editor),
                   lambda: newsletter.edit_story(page_loaded_before, story_id, practice="", text="Late.", actor=editor),
                   lambda: newsletter.set_excluded(page_loaded_before, story_id, True),
                   lambda: newsletter.publish(page_loaded_before, actor=editor)):
        with pytest.raises(newsletter.IssueError):
            change()
    fresh()
    published = db.session.get(type(draft), draft.id)
    assert published.title != "Late" and published.intro == ""
    assert [(s.story, s.excluded) for s in published.stories] == [("Before publication.", False)]


def test_a_story_saved_unchanged_is_not_called_edited(icu, make_account):
    editor = make_account("ed@example.org", roles=[("icu", "editor")])
    publish("As written.")
    issue = newsletter.draft(icu, THIS_MONTH)
    story_id = issue.stories[0].id
    assert not newsletter.edit_story(issue, story_id, practice="", text="  As written. ", actor=editor)
    assert newsletter.edit_story(issue, story_id, practice="", text="As rewritten.", actor=editor)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "newsletter_story_edited")) == 1


def test_a_title_that_names_a_page_size_leaves_the_pdfs_size_alone(icu, make_account):
    editor = make_account("ed@example.org", roles=[("icu", "editor")])
    publish("A story.")
    issue = newsletter.draft(icu, THIS_MONTH)
    newsletter.update_issue(issue, title="size: A4; our month", intro="", grouping="dimension", actor=editor)
    newsletter.publish(issue, actor=editor)
    fresh()
    html = newsletter.render(db.session.get(type(issue), issue.id), page_size="letter", for_email=False)
    assert "<title>size: A4; our month</title>" in html and "@page { size: letter;" in html


XSS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', "[click](javascript:alert(1))"]


@pytest.mark.parametrize("payload", XSS)
def test_scripts_in_stories_and_the_introduction_come_out_harmless(icu, make_account, payload):
    publish(f"Story with {payload} inside.")
    issue = newsletter.draft(icu, THIS_MONTH)
    newsletter.update_issue(issue, title="Issue", intro=f"Hello {payload}", grouping="dimension",
                            actor=make_account(), checked=True)  # (the screen may take markup for a language)
    fresh()
    html = newsletter.render(issue)
    assert "<script>" not in html and "onerror=" not in html.replace("onerror=alert(1)&gt;", "")
    assert "javascript:" not in html.replace("](javascript:alert(1))", "")
    assert not re.search(r"<img[^>]*onerror", html) and not re.search(r'href="javascript:', html)


def test_the_html_export_makes_no_outside_request(icu):
    from rcbingo.board.service import create_game
    from rcbingo.org.models import Workgroup

    create_game(icu, title="Round", start_now=True, workgroup_ids=list(db.session.scalars(select(Workgroup.id))))
    publish("A story for the archive.")
    html = newsletter.render(newsletter.draft(icu, THIS_MONTH))
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"|url\(([^)]*)\)|@import', html)
    assert [r for r in references if not r[0].startswith("data:image/png;base64,")] == []
    assert len(references) == 1 and "<svg" not in html and "<style>" in html  # the board's picture, carried in


needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")


@needs_poppler
@pytest.mark.parametrize(("size", "width"), [("a4", 595), ("letter", 612)])
def test_the_pdf_opens_renders_and_holds_the_stories(icu, tmp_path, size, width):
    publish("Phil rang within minutes with the corrected rate.")
    publish('Payload <script>alert("x")</script> stays text.')
    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(newsletter.render_pdf(newsletter.draft(icu, THIS_MONTH), size))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert f"Page size:       {width}" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Phil rang within minutes with the corrected rate." in " ".join(text.split())
    assert '<script>alert("x")</script>' in text  # shown as words, never run
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_editors_compile_edit_publish_and_export_through_the_pages(icu, client, make_account, auth):
    publish("Through the pages.")
    make_account("ed@example.org", roles=[("icu", "editor")])
    auth.sign_in("ed@example.org")
    created = client.post("/u/icu/newsletter", data={"csrf_token": auth.csrf("/u/icu/newsletter"),
                                                      "month": THIS_MONTH.strftime("%Y-%m")})
    assert created.status_code == 302
    url = created.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Through the pages." in page
    client.post(url, data={"csrf_token": auth.csrf(url), "action": "save", "title": "Our November",
                           "intro": "**Thank you** all", "grouping": "workgroup"})
    client.post(url, data={"csrf_token": auth.csrf(url), "action": "publish"})
    issue_id = int(url.rsplit("/", 1)[1])
    exported = client.get(f"/newsletter/{issue_id}/issue.html")
    assert "<strong>Thank you</strong>" in exported.get_data(as_text=True)
    assert "unsafe-inline" in exported.headers["Content-Security-Policy"]
    archive = client.get("/u/icu/newsletter").get_data(as_text=True)
    assert "Our November" in archive and "published" in archive
    refused = client.post("/u/icu/newsletter", data={"csrf_token": auth.csrf("/u/icu/newsletter"), "month": "11/26"})
    assert refused.status_code == 422 and "This is not a month we can read." in refused.get_data(as_text=True)
    assert 'value="11/26"' in refused.get_data(as_text=True)


def test_newsletter_commands_draft_and_export(icu, runner, tmp_path):
    publish("From the command line.")
    month = THIS_MONTH.strftime("%Y-%m")
    drafted = runner.invoke(args=["newsletter-draft", "Intensive Care", month])
    assert drafted.exit_code == 0, drafted.output
    issue_id = drafted.output.strip()
    assert runner.invoke(args=["newsletter-draft", "icu", month]).output.strip() == issue_id
    out = tmp_path / "issue.html"
    exported = runner.invoke(args=["newsletter-export", issue_id, "--format", "html", "--out", str(out)])
    assert exported.exit_code == 0 and "From the command line." in out.read_text()
    whole = runner.invoke(args=["newsletter-draft", "all", month])
    assert whole.exit_code == 0 and whole.output.strip() != issue_id
    for not_a_month in ("November", "9999-12", "2026-13"):
        refused = runner.invoke(args=["newsletter-draft", "icu", not_a_month])
        assert refused.exit_code == 1 and "is not a month: write it as YYYY-MM." in refused.output
    assert runner.invoke(args=["newsletter-export", "999", "--out", str(out)]).exit_code != 0


def story_edit_form(page: str, practice: str, text: str) -> list[tuple[str, str]]:
    """The fields the page's first "Save edit" form sends, as the browser would, with new words typed in."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.fields, self.inside, self.textarea = [], False, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and "story-edit" in attrs.get("class", ""):
                self.inside = not self.fields
            elif self.inside and tag == "input":
                typed = practice if attrs.get("type") == "text" else attrs.get("value", "")
                self.fields.append((attrs["name"], typed))
            elif self.inside and tag == "textarea":
                self.fields.append((attrs["name"], text))

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False

    parser = Fields()
    parser.feed(page)
    return [*parser.fields, ("action", "edit-story")]


def test_an_edited_story_is_saved_shown_published_and_exported_as_typed(editing, client, auth):
    url, _ = editing
    text = "Phil rang the ward within minutes with the corrected rate."
    fields = story_edit_form(client.get(url).get_data(as_text=True), "A call before rounds", text)
    saved = client.post(url, data=MultiDict(fields), follow_redirects=True).get_data(as_text=True)
    assert "Story edited for this issue" in saved
    assert f">{text}</textarea>" in saved and 'value="A call before rounds"' in saved

    client.post(url, data={"csrf_token": auth.csrf(url), "action": "publish"})
    page = client.get(url).get_data(as_text=True)
    assert re.findall(r'<blockquote class="story">([^<]*)</blockquote>', page) == [text]
    assert "<em>A call before rounds</em>" in page
    exported = client.get(f"{url}/issue.html").get_data(as_text=True)
    assert re.findall(r'<p class="text"[^>]*>([^<]*)</p>', exported) == [text]
    assert re.findall(r'<p class="practice"[^>]*>([^<]*)</p>', exported) == ["A call before rounds"]


# Introductions of 5,000 characters on which the pure-Python renderer spent 0.3 to 1.5 s of CPU each (quadratic).
PATHOLOGICAL = {"links on one line": "[a](b)" * 834, "images": "![a](b)" * 715, "open links": "[a](" * 1250,
                "words and links": "see [a](b) " * 455, "nested quotes": ">" * 5000, "emphasis": "**_" * 1667}


@pytest.mark.parametrize("intro", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_long_introduction_renders_in_time_proportional_to_its_length(intro):
    from time import process_time

    from rcbingo.web import markdown_html

    started = process_time()
    markdown_html(intro[:5000], newsletter.INTRO_TAGS)
    assert process_time() - started < 0.2


def test_the_introduction_keeps_its_formatting_and_nothing_else():
    from rcbingo.web import markdown_html

    html = markdown_html("Hello **team**, see [the plan](https://example.org/plan).\n\n- one\n- two\n\n"
                         "<b onclick=x>raw</b> [bad](javascript:alert(1)) \ud800", newsletter.INTRO_TAGS)
    assert "<strong>team</strong>" in html and '<a href="https://example.org/plan"' in html
    assert "<li>one</li>" in html and "raw" in html
    assert "onclick" not in html and "javascript:" not in html and "<b" not in html


# --- the patient-information screen over what editors type ----------------------------------------

PATIENT_STORY = ("Maya stayed late with Mr. Alvarez in room 14, MRN 00482913, DOB 03/14/1952, his daughter at "
                 "617-555-0142.")
PATIENT_TITLE = "Issue for Mr. Alvarez room 14"


@pytest.fixture
def editing(icu, client, make_account, auth):
    """An editor signed in on the month's draft, compiled through the pages: (url, csrf) for its page."""
    publish("Phil rang back.", practice="A call")
    make_account("ed@example.org", roles=[("icu", "editor")])
    auth.sign_in("ed@example.org")
    url = client.post("/u/icu/newsletter", data={"csrf_token": auth.csrf("/u/icu/newsletter"),
                                                  "month": THIS_MONTH.strftime("%Y-%m")}).headers["Location"]
    return url, lambda: auth.csrf(url)


def the_issue(url):
    from rcbingo.newsletter.models import Issue

    fresh()
    return db.session.get(Issue, int(url.rsplit("/", 1)[1]))


def checks() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "newsletter_text_checked"))


def test_an_editors_patient_information_never_reaches_the_issue_unchecked(editing, client):
    """The hostile tester's steps: a story edit, a title and a publication, each with patient details."""
    url, csrf = editing
    story_sent = client.post(url, data=MultiDict(story_edit_form(client.get(url).get_data(as_text=True), "A call",
                                                                 PATIENT_STORY)), headers={"HX-Request": "true"})
    title_sent = client.post(url, data={"csrf_token": csrf(), "action": "save", "title": PATIENT_TITLE,
                                        "intro": "Thanks to all, see Mr. Alvarez in bed 3", "grouping": "dimension"})
    published = client.post(url, data={"csrf_token": csrf(), "action": "publish"})
    assert (story_sent.status_code, title_sent.status_code, published.status_code) == (422, 422, 302)
    issue = the_issue(url)
    exported = client.get(f"{url}/issue.html").get_data(as_text=True)
    assert issue.state is IssueState.PUBLISHED and "Phil rang back." in exported
    for patient in ("Alvarez", "00482913", "617-555-0142", "room 14"):
        assert patient not in exported and patient not in issue.frozen_html


def test_a_flagged_story_edit_is_refused_with_its_findings_and_keeps_every_word(editing, client):
    url, csrf = editing
    fields = story_edit_form(client.get(url).get_data(as_text=True), "Stayed late", PATIENT_STORY)
    refused = client.post(url, data=MultiDict(fields), headers={"HX-Request": "true"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Not saved: the screen marked possible patient information" in page
    assert f">{PATIENT_STORY}</textarea>" in page and 'value="Stayed late"' in page  # nothing typed is lost
    for marked in ("MRN 00482913", "DOB 03/14/1952", "617-555-0142", "room 14", "Alvarez"):
        assert f'{marked}<span class="visually-hidden">' in page
    assert "I checked the marked words: they are not about a patient" in page
    assert [s.story for s in the_issue(url).stories] == ["Phil rang back."]

    saved = client.post(url, data=MultiDict([*fields, ("checked", "y")]))
    assert saved.status_code == 302 and [s.story for s in the_issue(url).stories] == [PATIENT_STORY]
    assert checks() == 1  # the tick is audited
    client.post(url, data={"csrf_token": csrf(), "action": "publish"})
    assert the_issue(url).state is IssueState.PUBLISHED  # what was checked as it reads is published


def test_a_checked_story_changed_again_is_screened_again(editing, client):
    url, _csrf = editing
    page = client.get(url).get_data(as_text=True)
    client.post(url, data=MultiDict([*story_edit_form(page, "", PATIENT_STORY), ("checked", "y")]))
    again = client.post(url, data=MultiDict(story_edit_form(page, "", PATIENT_STORY.replace("14", "15"))))
    assert again.status_code == 422 and [s.story for s in the_issue(url).stories] == [PATIENT_STORY]


def test_a_flagged_title_or_introduction_is_refused_until_checked(editing, client):
    url, csrf = editing
    fields = {"csrf_token": csrf(), "action": "save", "title": PATIENT_TITLE, "intro": "**Thank you** all",
              "grouping": "workgroup"}
    refused = client.post(url, data=fields)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Not saved" in page
    assert f'value="{PATIENT_TITLE}"' in page and "**Thank you** all</textarea>" in page
    assert 'room 14<span class="visually-hidden">' in page
    issue = the_issue(url)
    assert issue.title != PATIENT_TITLE and issue.grouping == "dimension"
    assert client.post(url, data=fields | {"checked": "y"}).status_code == 302
    assert the_issue(url).title == PATIENT_TITLE and checks() == 1
    regrouped = fields | {"csrf_token": csrf(), "grouping": "dimension"}
    assert client.post(url, data=regrouped).status_code == 302  # the same texts, checked before: no second tick
    assert client.post(url, data=regrouped | {"intro": "Thanks"}).status_code == 422  # changed: screened again


def test_publishing_refuses_flagged_text_that_no_one_checked_and_says_where(editing, client):
    url, csrf = editing
    with write_transaction() as session:  # as an earlier release stored them, or text a newer screen flags
        issue = session.merge(the_issue(url))
        issue.intro, issue.stories[0].story = "Mr. Alvarez in bed 3 thanks you", PATIENT_STORY
    refused = client.post(url, data={"csrf_token": csrf(), "action": "publish"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Not published" in page
    assert "the title or introduction; story 1 (Phil Pharma)" in page
    assert the_issue(url).state is IssueState.DRAFT
    assert page.count('name="checked"') == 2  # a tick offered beside each
    fields = story_edit_form(page, "A call", PATIENT_STORY)
    assert client.post(url, data=MultiDict([*fields, ("checked", "y")])).status_code == 302
    still = client.post(url, data={"csrf_token": csrf(), "action": "publish"}).get_data(as_text=True)
    assert "the title or introduction." in still and "story 1" not in still


def test_a_story_a_coordinator_approved_after_checking_needs_no_second_check(icu, make_account):
    editor = make_account("ed@example.org", roles=[("icu", "editor")])
    card = publish(PATIENT_STORY)
    assert card.status.value == "submitted"
    cards.approve(card, actor=editor)  # (the review page asked its coordinator to tick "I checked")
    issue = newsletter.draft(icu, THIS_MONTH)
    assert newsletter.unchecked(issue) == []
    newsletter.edit_story(issue, issue.stories[0].id, practice="", text=PATIENT_STORY + " Again.", actor=editor,
                          checked=True)
    newsletter.publish(issue, actor=editor)


def typed_fields() -> list[tuple[str, str]]:
    """Every free-text field of the newsletter editor's forms, found in the forms themselves: (form, field)."""
    from wtforms import StringField
    from wtforms.fields.core import UnboundField

    from rcbingo.newsletter.forms import IssueForm, StoryForm

    return [(form.__name__, name) for form in (IssueForm, StoryForm) for name, field in vars(form).items()
            if isinstance(field, UnboundField) and issubclass(field.field_class, StringField)]


@pytest.mark.parametrize(("form", "name"), typed_fields(), ids=[f"{f}.{n}" for f, n in typed_fields()])
def test_every_text_an_editor_types_into_an_issue_is_screened(editing, client, form, name):
    url, csrf = editing
    typed = "Thanks to Maya, MRN 00482913"
    if form == "IssueForm":
        fields = {"csrf_token": csrf(), "action": "save", "title": "Our month", "intro": "", "grouping": "dimension"}
        sent = client.post(url, data=fields | {name: typed})
    else:
        page = client.get(url).get_data(as_text=True)
        fields = [(key, typed if key == name else value) for key, value in story_edit_form(page, "A call",
                                                                                            "Phil rang back.")]
        sent = client.post(url, data=MultiDict(fields))
    assert sent.status_code == 422 and 'MRN 00482913<span class="visually-hidden">' in sent.get_data(as_text=True)
    issue = the_issue(url)
    stored = [issue.title, issue.intro] + [text for s in issue.stories for text in (s.practice, s.story)]
    assert not any("00482913" in text for text in stored)


@pytest.mark.parametrize(("left_out", "index", "step", "partner"), [
    ([False, False, False], 1, -1, 0), ([False, False, False], 2, 1, None),
    ([False, True, False], 2, -1, 0),  # past the left-out story between
    ([True, False], 1, -1, None),  # nothing in the issue above it
    ([True, False, True], 0, 1, 2),  # a left-out story moves among left-out ones
])
def test_a_story_moves_past_stories_left_out_to_the_next_one_in_the_issue(left_out, index, step, partner):
    assert rules.swap_partner(left_out, index, step) == partner


def test_moving_a_story_up_next_to_a_left_out_one_changes_the_issues_order(icu):
    for text in ("First.", "Second.", "Third."):
        publish(text)
    issue = newsletter.draft(icu, THIS_MONTH)
    ids = [s.id for s in issue.stories]
    newsletter.set_excluded(issue, ids[1], True)
    newsletter.move_story(issue, ids[2], -1)
    fresh()
    issue = newsletter.draft(icu, THIS_MONTH)
    assert [s.story for s in issue.stories if not s.excluded] == ["Third.", "First."]


@pytest.mark.parametrize("intro", [
    "Thanks to all who sat with the patient in room &#49;&#50; (SSN 123&#45;45&#45;6789, M&#114;. Alvarez) this month.",
    "Thanks to all who sat with the patient in r**oo**m 12 this month.",
])
def test_an_introduction_is_screened_as_readers_will_read_it_not_only_as_typed(editing, client, intro):
    """Markdown's character references and emphasis inside a word make other words on the page and in the PDF than
    the ones typed: the screen reads both, and the introduction waits for "I checked" on both pages and publishing."""
    url, csrf = editing
    fields = {"csrf_token": csrf(), "action": "save", "title": "December", "intro": intro, "grouping": "workgroup"}
    refused = client.post(url, data=fields)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Introduction, as readers will read it" in page
    assert the_issue(url).intro != intro
    with write_transaction() as session:  # stored before this screen: publishing reads it again
        session.merge(the_issue(url)).intro = intro
    assert client.post(url, data={"csrf_token": csrf(), "action": "publish"}).status_code == 422
