"""The editors' newsletter: compile a month, arrange and edit it, publish it, export it."""

from datetime import date

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..database import utcnow
from ..extensions import db
from ..i18n import translated
from ..org.access import can, unit_role
from ..org.models import RoleName
from ..privacy.highlight import segments
from ..web import attachment, db_id
from . import service
from .forms import IssueForm, MonthForm, StoryForm
from .models import Issue, IssueState

bp = Blueprint("newsletter", __name__)
EDITOR = RoleName.EDITOR
# The exported page is a document, not the app: its own inline style is all it may load.
EXPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def _archive_url(unit):
    return url_for("newsletter.archive", unit_key=unit.key) if unit else url_for("newsletter.organization_archive")


def _editable(issue_id: int) -> Issue:
    """The issue, for an editor of its unit (administrators for the whole organization's issues)."""
    issue = db.session.get(Issue, issue_id) or abort(404)
    allowed = can(EDITOR, issue.unit) if issue.unit else current_user.is_admin
    if not allowed:
        abort(403, _("Only the unit's editors may work on its newsletter."))
    return issue


def _month_page(unit):
    form = MonthForm(data={"month": format_date(utcnow(), "MMMM y")})
    if form.validate_on_submit():
        month = date(*form.understood, 1)
        issue = service.draft(unit, month, actor=current_user)
        flash(_("Showing %(month)s.", month=format_date(month, "MMMM y")))
        return redirect(url_for("newsletter.edit", issue_id=issue.id))
    return render_template("newsletter/archive.html", unit=unit, form=form, issues=service.issues_of(unit)), (
        422 if form.errors else 200)


@bp.route("/u/<unit_key>/newsletter", methods=["GET", "POST"])
@unit_role(EDITOR)
def archive(unit):
    """The unit's issues, published and in progress, and a form to compile a month."""
    return _month_page(unit)


@bp.route("/newsletter", methods=["GET", "POST"])
@login_required
def organization_archive():
    """Issues for the whole organization (administrators)."""
    if not current_user.is_admin:
        abort(403, _("Only administrators compile the organization's newsletter."))
    return _month_page(None)


@bp.route("/newsletter/<int:issue_id>", methods=["GET", "POST"])
@login_required
def edit(issue_id):
    """Arrange an issue: title, introduction, grouping, order; leave stories out; edit them lightly."""
    issue = _editable(issue_id)
    # The issue's form shows what was typed in it only when it was sent (a story's buttons send their own form).
    form = IssueForm(obj=issue) if request.form.get("action") == "save" else IssueForm(formdata=None, obj=issue)
    flags = {}
    if request.method == "POST":
        try:
            target = _apply(issue, form)
        except service.Unchecked as refused:
            flags, target = {flag.story_id or "issue": flag for flag in refused.flags}, None
            flash(_refusal(issue, refused.flags, request.form.get("action") == "publish"), "problem")
        except service.IssueError as error:
            flash(translated(str(error)), "problem")
            target = issue
        if target is not None:
            return redirect(url_for("newsletter.edit", issue_id=target.id))
    return render_template("newsletter/edit.html", issue=issue, form=form, story_form=StoryForm(), flags=flags,
                           marks={key: _marks(flag) for key, flag in flags.items()},
                           archive_url=_archive_url(issue.unit)), 422 if form.errors or flags else 200


FIELDS = {"title": _l("Title"), "intro": _l("Introduction"), "intro_read": _l("Introduction, as readers will read it"),
          "practice": _l("Which practice impressed you most"), "story": _l("Story")}


def _marks(flag: service.Flag) -> list:
    """Where the screen marked a refused text, for the page: [(field, pieces)]."""
    return [(FIELDS[field], segments(text, flag.screened.found[field])) for field, text in flag.texts.items()
            if flag.screened.found[field]]


def _refusal(issue: Issue, flags: list, publishing: bool) -> str:
    """Why an edit or a publication was refused, and where, in plain words."""
    if not publishing:
        return _("Not saved: the screen marked possible patient information (see below). Reword it, or tick that "
                 "you checked it is not about a patient, and save again.")
    numbers = {story.id: (number, story) for number, story in enumerate(issue.stories, 1)}
    places = [_("the title or introduction") if flag.story_id is None else _(
        "story %(number)s (%(names)s)", number=numbers[flag.story_id][0],
        names=", ".join(n.name for n in numbers[flag.story_id][1].card.nominees))
        for flag in flags if flag.story_id in numbers or flag.story_id is None]  # (a story just left: not shown)
    return _("Not published: the screen marked possible patient information that no one has checked in %(places)s. "
             "Reword it, or tick that you checked it is not about a patient and save it; then publish.",
             places="; ".join(places))


def _apply(issue: Issue, form: IssueForm) -> Issue | None:
    """Carry out one editing action and say which issue to show next; None to show the form's problems."""
    action, story_id = request.form.get("action"), request.form.get("story_id", type=db_id)
    if action == "save":
        if not form.validate():
            return None
        service.update_issue(issue, title=form.title.data, intro=form.intro.data or "", grouping=form.grouping.data,
                             actor=current_user, checked=form.checked.data)
        flash(_("Saved."))
    elif action in ("up", "down"):
        service.move_story(issue, story_id, -1 if action == "up" else 1)
    elif action in ("exclude", "include"):
        service.set_excluded(issue, story_id, action == "exclude")
    elif action == "edit-story":
        story_form = StoryForm()
        if not story_form.validate():
            flash(" ".join(str(e) for errors in story_form.errors.values() for e in errors), "problem")
        else:
            edited = service.edit_story(issue, story_id, practice=story_form.practice.data or "",
                                        text=story_form.story.data, actor=current_user,
                                        checked=story_form.checked.data)
            flash(_("Story edited for this issue; the card keeps its original.") if edited else
                  _("Nothing changed in that story."))
    elif action == "refresh":
        service.draft(issue.unit, issue.month, actor=current_user)
        flash(_("Refreshed: new stories of the month are added at the end."))
    elif action == "publish":
        service.publish(issue, actor=current_user)
        flash(_("Published. The issue is frozen; a correction makes a new version."))
    elif action == "correct":
        flash(_("A new version to correct; readers keep the published one until you publish this."))
        return service.correct(issue, actor=current_user)
    else:
        abort(400)
    return issue


@bp.get("/newsletter/<int:issue_id>/issue.html")
@login_required
def export_html(issue_id):
    """The issue as one self-contained HTML file, to open, save, or paste into an email."""
    issue = _editable(issue_id)
    response = make_response(service.render(issue))
    response.headers["Content-Security-Policy"] = EXPORT_POLICY
    if request.args.get("download"):
        attachment(response, f"{_filename(issue)}.html")
    return response


@bp.get("/newsletter/<int:issue_id>/issue.pdf")
@login_required
def export_pdf(issue_id):
    """The issue as a printable PDF (A4, or US Letter with ?size=letter)."""
    issue = _editable(issue_id)
    size = request.args.get("size", "a4")
    if size not in service.PAGE_SIZES:
        abort(404, _("Newsletters print on A4 or US Letter paper."))
    response = make_response(service.render_pdf(issue, size))
    response.headers["Content-Type"] = "application/pdf"
    return attachment(response, f"{_filename(issue)}-{size}.pdf", inline=True)


def _filename(issue: Issue) -> str:
    where = issue.unit.key if issue.unit else "organization"
    state = "" if issue.state is IssueState.PUBLISHED else "-draft"
    return f"newsletter-{where}-{issue.month:%Y-%m}-v{issue.version}{state}"
