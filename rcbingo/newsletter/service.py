"""Compiling, editing, publishing and exporting newsletter issues."""

import calendar
import hashlib
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import css_inline
from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit.service import record
from ..board import service as board
from ..cards.models import Card
from ..cards.service import Screened, published_cards
from ..database import utcnow, write_transaction
from ..extensions import db
from ..org.models import Unit, Workgroup
from ..org.service import active_units, active_workgroups, organization, staff_names
from ..privacy.language import unreadable_language
from ..privacy.screen import screen
from ..rc import BY_KEY, DIMENSION_KEYS, N_
from ..slots import folder_for, slot
from ..web import markdown_html
from ..zones import local
from . import rules
from .models import Issue, IssueState, IssueStory
from .picture import data_uri

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
PDF_SCRIPT = Path(__file__).with_name("pdf.py")
# Email programs drop <style> blocks: every rule is also written onto its elements (the block stays for
# @page and print rules). Nothing is ever fetched.
INLINER = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
INTRO_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "h3", "h4"}


class IssueError(ValueError):
    """A change an issue's state does not allow, in words for the editor."""


# --- the patient-information screen over what editors type -----------------------------------

@dataclass(frozen=True)
class Flag:
    """Texts of an issue that the screen flags and no one said they checked: a story's (its IssueStory id), or the
    title and introduction (story_id None), each as screened, with what the screen found."""

    story_id: int | None
    texts: dict[str, str]
    screened: Screened


class Unchecked(IssueError):
    """Refused: the screen flags these texts, and no one ticked "I checked" for them as they are."""

    def __init__(self, flags: list[Flag]):
        super().__init__(N_("The screen marked possible patient information that no one has checked."))
        self.flags = flags


def digest(*texts: str) -> str:
    """How "I checked" is kept: the hash of the texts as they were checked (any change is screened again)."""
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()


def screened(texts: dict[str, str]) -> Screened:
    """What the patient-information screen finds in each text (roster names are not patient information), and a
    language it cannot read."""
    names = staff_names()
    language = next((found for text in texts.values() if (found := unreadable_language(text))), None)
    return Screened({field: screen(text, names) for field, text in texts.items()}, language)


def _checked(texts: dict[str, str], kept: str | None, checked: bool, story_id: int | None = None) -> str | None:
    """The "I checked" to keep with these texts (None when the screen flags nothing), or Unchecked when the screen
    flags them and the editor neither ticked it now nor for these very texts before (`kept`)."""
    found = screened(texts)
    if not found.held:
        return None
    mark = digest(*texts.values())
    if checked or kept == mark:
        return mark
    raise Unchecked([Flag(story_id, texts, found)])


def _issue_texts(issue: Issue) -> dict[str, str]:
    return _title_and_intro(issue.title, issue.intro)


def _title_and_intro(title: str, intro: str) -> dict[str, str]:
    """The issue's own texts as the screen reads them: the introduction as typed, and also as readers will read it
    when its Markdown makes other words ("room &#49;2" reads "room 12", "r**oo**m" reads "room")."""
    texts = {"title": title, "intro": intro}
    reading = markdown_html(intro, INTRO_TAGS).striptags()  # (cmark ends each block with a line break)
    if reading != " ".join(intro.split()):
        texts["intro_read"] = reading
    return texts


def _story_texts(story: IssueStory) -> dict[str, str]:
    return {"practice": story.practice, "story": story.story}


def unchecked(issue: Issue) -> list[Flag]:
    """Every text the issue would publish that the screen flags and no one checked as it reads now."""
    flags = []
    places = [(None, _issue_texts(issue), issue.checked_digest)] + [
        (s.id, _story_texts(s), s.checked_digest) for s in issue.stories if not s.excluded]
    for story_id, texts, kept in places:
        if kept != digest(*texts.values()) and (found := screened(texts)).held:
            flags.append(Flag(story_id, texts, found))
    return flags


def story_card(card: Card) -> rules.StoryCard:
    return rules.StoryCard(
        id=card.id, status=card.status.value, consent_publish=card.consent_publish, published_at=card.published_at,
        unit_id=card.unit_id, nominator_name=card.nominator_name, show_nominator_name=card.show_nominator_name,
        nominator_workgroup=card.nominator_workgroup_id,
        nominee_workgroups=tuple(n.workgroup_id for n in card.nominees),
        nominee_names=tuple(n.name for n in card.nominees), dimensions=tuple(sorted(card.dimension_keys)))


def _zone(unit: Unit | None) -> str:
    return unit.timezone if unit else current_app.config["ORGANIZATION_TIMEZONE"]


def _bounds(unit: Unit | None, month: date):
    return rules.month_bounds(month.year, month.month, _zone(unit))


def month_boards(unit: Unit | None, month: date) -> tuple[list, datetime]:
    """The boards of the games that ran in the month (rules.games_of_month), each as it stood at the month's end
    (or now, while the month runs), and that moment."""
    start, end = _bounds(unit, month)
    moment = rules.board_moment(start, end, utcnow())
    units = [unit.id] if unit else [u.id for u in active_units()]
    games = rules.games_of_month(board.games_started(units, end), start, end)
    return [board.board_at(game, moment) for game in games], moment


def month_cards(unit: Unit | None, month: date) -> list[Card]:
    """Every card that counted in the month (the figures), whether or not its story may be printed."""
    start, end = _bounds(unit, month)
    query = published_cards().where(Card.published_at >= start, Card.published_at < end).order_by(Card.published_at)
    if unit is not None:
        query = query.where(Card.unit_id == unit.id)
    return list(db.session.scalars(query))


def issues_of(unit: Unit | None) -> list[Issue]:
    query = select(Issue).order_by(Issue.month.desc(), Issue.version.desc())
    query = query.where(Issue.unit_id == unit.id) if unit else query.where(Issue.unit_id.is_(None))
    return list(db.session.scalars(query))


def month_issues(months: dict[int, date]) -> dict[int, Issue]:
    """For each unit id, the latest version of its issue for the month given (units without one are missing)."""
    found: dict[int, Issue] = {}
    for issue in db.session.scalars(select(Issue).where(Issue.unit_id.in_(months), Issue.month.in_(
            set(months.values()))).order_by(Issue.version)):
        if issue.month == months[issue.unit_id]:
            found[issue.unit_id] = issue
    return found


def _latest(unit: Unit | None, month: date, fresh: bool = False) -> Issue | None:
    query = select(Issue).where(Issue.month == month).order_by(Issue.version.desc()).limit(1)
    query = query.where(Issue.unit_id == unit.id) if unit else query.where(Issue.unit_id.is_(None))
    if fresh:  # as it is now, its stories too (another request may have changed it)
        query = query.options(selectinload(Issue.stories)).execution_options(populate_existing=True)
    return db.session.scalar(query)


# PostgreSQL's advisory lock key space of the newsletter drafts being compiled ("RCNL"), then the unit's id (0: the
# organization's issues).
COMPILING = 0x52434E4C


def draft(unit: Unit | None, month: date, actor=None) -> Issue:
    """Build the month's draft, or refresh it: new stories join at the end, edits and order are kept,
    stories no longer eligible (withdrawn, rejected) leave. A published issue is returned unchanged."""
    month = month.replace(day=1)
    issue = _latest(unit, month)
    if issue is not None and issue.state is IssueState.PUBLISHED:
        return issue
    start, end = _bounds(unit, month)
    eligible = [c for c in month_cards(unit, month) if rules.in_issue(story_card(c), start, end)]
    with write_transaction() as session:
        # Editors compiling one month at once take turns (on SQLite the write lock is held already): one draft, and
        # each refresh starts from the one before. (No unique constraint can say "one draft" for the organization's
        # issues, whose unit is NULL.)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(COMPILING, unit.id if unit else 0)))
        issue = _latest(unit, month, fresh=True)
        if issue is not None and issue.state is IssueState.PUBLISHED:
            return issue
        if issue is None:
            name = unit.name if unit else organization().name or organization().program_name
            issue = Issue(unit_id=unit.id if unit else None, month=month,
                          title=f"{organization().program_name}: {name}, {calendar.month_name[month.month]} "
                                f"{month.year}")
            session.add(issue)
            session.flush()
        keep = {c.id for c in eligible}
        present = {s.card_id for s in issue.stories}
        issue.stories = [s for s in issue.stories if s.card_id in keep]
        position = max((s.position for s in issue.stories), default=0)
        for card in eligible:
            if card.id not in present:
                position += 1
                # A flagged card was published by a coordinator who ticked "I checked" for this very text.
                issue.stories.append(IssueStory(card_id=card.id, position=position, practice=card.practice,
                                                story=card.story, checked_digest=digest(card.practice, card.story)
                                                if card.flagged else None))
        record("newsletter_changed", actor=actor, unit_id=issue.unit_id, subject=f"issue {issue.id}",
               detail="drafted")
    return issue


def _draft_only(issue: Issue) -> None:
    if issue.state is IssueState.PUBLISHED:
        raise IssueError(N_("A published issue is frozen: make a correction to change it."))


def _locked(session, issue_id: int) -> Issue:
    """The issue as it is now, its row locked until the transaction ends (on SQLite the write lock is held already):
    two requests at once, a publication and an edit say, take their turns, and the second sees what the first did."""
    return session.scalars(select(Issue).where(Issue.id == issue_id).with_for_update()
                           .options(selectinload(Issue.stories)).execution_options(populate_existing=True)).one()


def _locked_draft(session, issue_id: int) -> Issue:
    issue = _locked(session, issue_id)
    _draft_only(issue)
    return issue


def update_issue(issue: Issue, *, title: str, intro: str, grouping: str, actor, checked: bool = False) -> None:
    """Save the title, introduction and grouping. Raises Unchecked when the screen flags the title or introduction
    and the editor did not tick "I checked" (nothing is saved)."""
    title, intro = title.strip()[:200], intro.strip()
    mark = _checked(_title_and_intro(title, intro), issue.checked_digest, checked)
    with write_transaction() as session:
        issue = _locked_draft(session, issue.id)
        if mark is not None and mark != issue.checked_digest:
            record("newsletter_text_checked", actor=actor, unit_id=issue.unit_id, subject=f"issue {issue.id}",
                   detail="title or introduction")
        issue.title, issue.intro, issue.checked_digest = title, intro, mark
        issue.grouping = grouping if grouping in rules.GROUPINGS else "dimension"
        record("newsletter_changed", actor=actor, unit_id=issue.unit_id, subject=f"issue {issue.id}",
               detail="title, introduction or grouping")


def move_story(issue: Issue, story_id: int, step: int) -> None:
    """Swap a story with the next one like it (in the issue, or left out) in a direction (step -1: up, +1: down)."""
    with write_transaction() as session:
        stories = list(_locked_draft(session, issue.id).stories)
        index = next((i for i, s in enumerate(stories) if s.id == story_id), None)
        other = None if index is None else rules.swap_partner([s.excluded for s in stories], index, step)
        if other is not None:
            stories[index].position, stories[other].position = stories[other].position, stories[index].position


def set_excluded(issue: Issue, story_id: int, excluded: bool) -> None:
    with write_transaction() as session:
        story = next((s for s in _locked_draft(session, issue.id).stories if s.id == story_id), None)
        if story is not None:
            story.excluded = excluded


def edit_story(issue: Issue, story_id: int, *, practice: str, text: str, actor, checked: bool = False) -> bool:
    """Lightly edit a story for this issue; the card keeps its original, and the edit is audited. Whether the
    story changed (its words, or a tick for them). Raises Unchecked when the screen flags the story as edited and the
    editor did not tick "I checked" (nothing is saved)."""
    edited = {"practice": practice.strip()[:200], "story": text.strip()}
    before = next((s for s in issue.stories if s.id == story_id), None)
    mark = _checked(edited, before.checked_digest if before else None, checked, story_id)
    with write_transaction() as session:
        story = next((s for s in _locked_draft(session, issue.id).stories if s.id == story_id), None)
        if story is None:
            return False
        same = _story_texts(story) == edited
        if same and mark in (None, story.checked_digest):
            return False
        if mark is not None and mark != story.checked_digest:
            record("newsletter_text_checked", actor=actor, unit_id=issue.unit_id, subject=f"issue {issue.id}",
                   detail=f"card {story.card_id}")
        story.practice, story.story, story.checked_digest = edited["practice"], edited["story"], mark
        if not same:
            record("newsletter_story_edited", actor=actor, unit_id=issue.unit_id, subject=f"issue {issue.id}",
                   detail=f"card {story.card_id}")
    return True


def _content(issue: Issue) -> tuple:
    """What an editor changes in an issue."""
    return issue.title, issue.intro, issue.checked_digest, issue.grouping, tuple(
        (s.id, s.position, s.excluded, s.practice, s.story, s.checked_digest) for s in issue.stories)


def publish(issue: Issue, actor) -> None:
    """Freeze the issue as it reads now: later changes to cards or rosters cannot alter it. Raises Unchecked when the
    screen flags a text of the issue that no one checked as it reads now."""
    _draft_only(issue)  # before making it (the lock checks again)
    if flags := unchecked(issue):
        raise Unchecked(flags)
    rendered, html = _content(issue), render(issue, for_email=False)  # made before the lock: it takes a while
    with write_transaction() as session:
        issue = _locked_draft(session, issue.id)
        if _content(issue) != rendered:  # edited while it was being made: screen and freeze what it says now
            if flags := unchecked(issue):
                raise Unchecked(flags)
            html = render(issue, for_email=False)
        issue.state, issue.published_at, issue.published_by_id = IssueState.PUBLISHED, utcnow(), actor.id
        issue.frozen_html = html
        record("newsletter_published", actor=actor, unit_id=issue.unit_id, subject=f"issue {issue.id}")


def correct(issue: Issue, actor) -> Issue:
    """A new draft version of a published issue, starting from it as it was published (one, however often asked)."""
    if issue.state is not IssueState.PUBLISHED:
        raise IssueError(N_("Only a published issue needs a correction: edit the draft instead."))
    try:
        with write_transaction() as session:
            issue = _locked(session, issue.id)
            latest = _latest(issue.unit, issue.month)
            if latest.state is IssueState.DRAFT:
                return latest
            fresh = Issue(unit_id=issue.unit_id, month=issue.month, version=latest.version + 1, title=issue.title,
                          intro=issue.intro, grouping=issue.grouping, checked_digest=issue.checked_digest)
            fresh.stories = [IssueStory(card_id=s.card_id, position=s.position, excluded=s.excluded,
                                        practice=s.practice, story=s.story, checked_digest=s.checked_digest)
                             for s in issue.stories]
            session.add(fresh)
            session.flush()
            record("newsletter_changed", actor=actor, unit_id=issue.unit_id, subject=f"issue {fresh.id}",
                   detail=f"correction of issue {issue.id}")
    except IntegrityError:  # another request made that version at the same instant (from another published one)
        return _latest(issue.unit, issue.month)
    return fresh


# --- what an issue shows --------------------------------------------------------------------

@dataclass
class Section:
    heading: str
    stories: list[IssueStory]


def sections(issue: Issue) -> list[Section]:
    """The included stories, grouped by dimension (in the card's order) or by recognised workgroup."""
    groups: dict = {}
    for story in issue.stories:
        if not story.excluded:
            groups.setdefault(rules.group_key(story_card(story.card), issue.grouping), []).append(story)
    if issue.grouping == "workgroup":
        names = {w.id: w.name for w in db.session.scalars(select(Workgroup).where(Workgroup.id.in_(groups)))}
        return [Section(names[k], v) for k, v in sorted(groups.items(), key=lambda kv: names[kv[0]])]
    return [Section(BY_KEY[k].label, v) for k, v in sorted(groups.items(), key=lambda kv: list(BY_KEY).index(kv[0]))]


def intro_html(issue: Issue) -> Markup:
    """The introduction's Markdown as HTML, with anything but simple formatting and links removed."""
    return markdown_html(issue.intro, INTRO_TAGS)


def context(issue: Issue) -> dict:
    """Everything the issue's template shows."""
    cards = month_cards(issue.unit, issue.month)
    units = [issue.unit] if issue.unit else active_units()
    workgroups = active_workgroups()
    figures = rules.figures([story_card(c) for c in cards], [w.id for w in workgroups])
    names = {w.id: w.name for w in workgroups}
    start, end = _bounds(issue.unit, issue.month)
    # The wins the boards announce (board.rules.announced), with their rank: (rank, win).
    wins = board.announced_wins([u.id for u in units], start, end)
    boards, moment = month_boards(issue.unit, issue.month)
    per_unit = dict(db.session.execute(select(Card.unit_id, func.count()).where(
        Card.id.in_([c.id for c in cards])).group_by(Card.unit_id)).all()) if not issue.unit else {}
    return {"issue": issue, "sections": sections(issue), "intro": intro_html(issue), "figures": figures,
            "names": names, "wins": wins, "boards": boards, "picture": data_uri, "units": units,
            "covered": lambda b, w: [d for d in DIMENSION_KEYS if b.covered(w.id, d)],
            "board_day": local(moment - timedelta(microseconds=1), _zone(issue.unit)).date(),
            "per_unit": per_unit, "writer": lambda story: rules.writer(story_card(story.card)),
            "month_name": f"{calendar.month_name[issue.month.month]} {issue.month.year}"}


def render(issue: Issue, page_size: str = "A4", for_email: bool = True) -> str:
    """The issue as one self-contained HTML document (inline style and pictures, no outside request).

    `for_email` also writes every style rule onto its elements, for email programs that drop <style>;
    the PDF does without (WeasyPrint reads <style> and renders faster from it)."""
    if issue.frozen_html:
        # The page size is the first rule of the first style sheet, after the title (which may say anything).
        head, style, rest = issue.frozen_html.partition("<style>")
        html = head + style + rest.replace("size: A4;", f"size: {page_size};", 1)
    else:
        html = render_template("newsletter/issue.html", page_size=page_size, **context(issue))
    return INLINER.inline(html) if for_email else html


def render_pdf(issue: Issue, size: str = "a4", in_process: bool = False) -> bytes:
    """The issue as a printable PDF, made by WeasyPrint in a separate process so no server worker stalls
    (`in_process` for command-line tasks, which are a separate process already)."""
    page_size = PAGE_SIZES.get(size, "A4")
    if in_process:
        from .pdf import write_pdf

        return write_pdf(render(issue, page_size, for_email=False))
    return pdf_in_child(lambda: render(issue, page_size, for_email=False))


def pdf_in_child(make_html) -> bytes:
    """The PDF of the HTML that `make_html()` writes, made by WeasyPrint (pdf.py) in a child process, so that
    no server worker stalls on it. Every printed page of the app goes through here, and waits its turn: at most
    PDF_RENDERS_AT_ONCE on this host (slots.NoSlot after PDF_RENDER_WAIT_SECONDS, a 503 for the visitor)."""
    config = current_app.config
    with slot(folder_for("pdf", current_app.instance_path), config["PDF_RENDERS_AT_ONCE"],
              config["PDF_RENDER_WAIT_SECONDS"]):
        return _pdf_in_child(make_html)


def _pdf_in_child(make_html) -> bytes:
    # Started first, so the child loads WeasyPrint (a second or so) while this process writes the HTML.
    # -P: the script's folder is not put on the import path (its modules would shadow others').
    command = [sys.executable, "-P", str(PDF_SCRIPT)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # noqa: S603
                             stderr=subprocess.PIPE)
    try:
        html = make_html()
        pdf, errors = child.communicate(html.encode(), timeout=current_app.config["PDF_TIMEOUT_SECONDS"])
    finally:
        if child.returncode is None:
            child.kill()
            child.wait()
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command, pdf, errors)
    return pdf
