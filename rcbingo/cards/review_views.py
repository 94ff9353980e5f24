"""The coordinators' side of cards: the review queue, one card's review, and paper cards."""

import re
import uuid
from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import zones
from ..i18n import translated
from ..org.access import unit_role
from ..org.models import RoleName
from ..org.service import active_units, active_workgroups
from ..privacy.highlight import segments
from ..privacy.redact import placeholder, replaced_at
from ..rc import FAMILIES, dimensions_of
from . import rules, service
from .forms import PaperCardForm, ReviewForm
from .models import CardStatus

bp = Blueprint("review", __name__)
COORDINATOR = RoleName.COORDINATOR


@bp.context_processor
def review_context():
    return {"families": FAMILIES, "dimensions_of": dimensions_of, "rules": rules, "statuses": CardStatus}


@bp.get("/u/<unit_key>/review")
@unit_role(COORDINATOR)
def queue(unit):
    """Cards waiting for review, and the latest decisions."""
    waiting = service.review_queue(unit)
    return render_template("cards/review_queue.html", unit=unit, waiting=waiting,
                           languages=service.held_languages(waiting), decided=service.recent_decisions(unit))


@bp.route("/u/<unit_key>/review/<int:card_id>", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def review_card(unit, card_id):
    """One card: its findings highlighted; redact, approve, reject or withdraw it."""
    card = service.unit_card(unit, card_id) or abort(404)
    form = ReviewForm(data={"practice": card.practice, "story": card.story})
    action = request.form.get("action")
    screened = service.findings(card)
    if form.validate_on_submit() and request.form.get("redact"):
        _redact_one(form, request.form["redact"])  # (in the box only: nothing is saved)
    elif form.validate_on_submit() and action in ("approve", "save", "reject", "withdraw"):
        draft_story, draft_practice = form.story.data or "", form.practice.data or ""
        problem = _text_problem(draft_story, draft_practice)
        if problem and action in ("approve", "save"):
            form.story.errors = [problem]
        elif _publishes(card, action, draft_practice, draft_story) and not form.checked.data and service.screen_flags(
                draft_practice, draft_story):
            # One tap must not publish what the screen marks in the text as it will be published (sent again, or
            # edited around the marked words; a published card's edit is shown at once): redact them, or say it was
            # checked.
            form.checked.errors = [_("Redact the marked words, or tick that you checked they are not about a "
                                     "patient.") if _marks_in_box(form) else _("The screen cannot read this "
                                     "card's language: tick that you read it and it is not about a patient.")]
        elif action == "approve" and screened.held_beyond_the_text and not form.checked.data:
            # A name or a language cannot be redacted here: editing the story does not make the card safe.
            form.checked.errors = [_("The screen held this card for a name or for its language: tick that you "
                                     "checked it, or reject it.")]
        elif action in ("reject", "withdraw") and not (form.reason.data or "").strip():
            form.reason.errors = [_("Say briefly why, for the other coordinators.")]
        else:
            return _decide(unit, card, action, form)
    typed = _typed_findings(form) if form.checked.errors else []
    found = screened.found
    if screened.language and not any(found.values()):  # held for its language alone: there are no marked words
        form.checked.label.text = _("I read this card: it is not about a patient")
    names = [(_("the writer’s name"), card.nominator_name, found["nominator"])] + [
        (_("a colleague’s name"), nominee.name, found.get(f"nominees.{at}", [])) for at, nominee in
        enumerate(card.nominees)]
    return render_template(
        "cards/review_card.html", unit=unit, card=card, form=form, language=screened.language,
        story_segments=segments(card.story, found["story"]), practice_segments=segments(card.practice,
                                                                                        found["practice"]),
        name_segments=[(field, segments(name, marks)) for field, name, marks in names if marks],
        findings=[f for marks in found.values() for f in marks], typed=typed,
        redactions=_redactions(form)), 422 if form.errors else 200


def _marks_in_box(form: ReviewForm) -> dict:
    """What the screen marks in the edit boxes' text as it is now, by box ("practice", "story"); the boxes' text is
    kept stripped, as it will be stored, so that the marks' spans are spans of the boxes' values."""
    form.practice.data, form.story.data = (form.practice.data or "").strip(), (form.story.data or "").strip()
    return {field: marks for field, marks in service.text_findings(form.practice.data, form.story.data).found.items()
            if marks}


def _redactions(form: ReviewForm) -> dict:
    """One button per marked word in each edit box: (finding, its placeholder) by box."""
    return {field: [(finding, placeholder(finding.kind, translated)) for finding in marks]
            for field, marks in _marks_in_box(form).items()}


def _redact_one(form: ReviewForm, value: str) -> None:
    """A tap on a marked word's button without JS ("story:19:26"): that word becomes its placeholder in the box."""
    tapped = _REDACT.fullmatch(value)
    if tapped is None:
        return
    field, start, end = tapped.group(1), int(tapped.group(2)), int(tapped.group(3))
    marks = _marks_in_box(form).get(field, [])
    form[field].data = replaced_at(form[field].data, marks, start, end, translated)


_REDACT = re.compile(r"(practice|story):(\d{1,6}):(\d{1,6})")


def _typed_findings(form: ReviewForm) -> list:
    """What the screen marks in the text just sent (kept in the form), for the page to show beside the tick."""
    practice, story = (form.practice.data or "").strip(), (form.story.data or "").strip()
    found = service.text_findings(practice, story).found
    return [(where, segments(text, found[field])) for field, where, text in (
        ("practice", _("Which practice impressed you most"), practice), ("story", _("Story"), story)) if found[field]]


def _publishes(card, action: str, practice: str, story: str) -> bool:
    """Whether this decision puts text on the public surfaces: an approval, or a changed text on a published card."""
    changed = (practice.strip(), story.strip()) != (card.practice, card.story)
    return action == "approve" or (action == "save" and card.status is CardStatus.PUBLISHED and changed)


def _text_problem(story: str, practice: str) -> str | None:
    if not story.strip():
        return _("A published story cannot be empty: reject the card instead.")
    if len(story.strip()) > rules.STORY_MAX or len(practice.strip()) > rules.PRACTICE_MAX:
        return _("Please shorten the text to %(max)s characters.", max=rules.STORY_MAX)
    return None


def _decide(unit, card, action: str, form: ReviewForm):
    edited = False
    if action in ("approve", "save"):
        edited = service.edit(card, practice=form.practice.data or "", story=form.story.data or "",
                              actor=current_user)
    if action == "save":
        flash(_("Your edit is saved; the original is kept in the card's history.") if edited
              else _("Nothing changed."))
        return redirect(url_for("review.review_card", unit_key=unit.key, card_id=card.id))
    if action == "approve":
        completed = service.approve(card, actor=current_user)
        flash(_("Card approved: it counts now."))
        for board in completed:  # the card that completes a board: say so where the coordinator is
            names = " & ".join(board.workgroups)
            flash(_("It completes the board for %(workgroups)s: confirm the bingo on the game page.",
                    workgroups=names) if board.checked else _("Bingo! It completes the board for %(workgroups)s.",
                                                                workgroups=names))
    elif action == "reject":
        service.reject(card, form.reason.data, actor=current_user)
        flash(_("Card rejected: it counts for nothing."))
    else:
        service.withdraw(card, form.reason.data, actor=current_user)
        flash(_("Card withdrawn: it no longer counts."))
    return redirect(url_for("review.queue", unit_key=unit.key))


@bp.route("/u/<unit_key>/paper-card", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def paper_card(unit):
    """Type in a paper card on its writer's behalf; it counts like any other (and is marked transcribed)."""
    form = PaperCardForm()
    if request.method == "GET":
        form.submission_id.data = uuid.uuid4().hex
    form.set_choices(active_workgroups(), active_units(), default_unit=unit.key)
    if request.method == "POST" and form.validate() and form.submission_ok:
        written = form.written_on.data
        # Noon on the unit's clocks of the day written on the paper.
        written_at = zones.to_utc(datetime.combine(written, time(12)), unit.timezone) if written else None
        try:
            card, _stored = service.submit(form.draft(), unit, form.submission_id.data,
                                           transcribed_by=current_user, written_at=written_at)
        except service.CardRefused as refused:
            form.problems.update(refused.problems)
        else:
            flash(_("Paper card saved.") if card.status is CardStatus.PUBLISHED
                  else _("Paper card saved. The screen held it for review: see why below."))
            return redirect(url_for("review.review_card", unit_key=unit.key, card_id=card.id))
    elif request.method == "POST":  # a date no paper card can have, or a form kept open too long: say which
        if form.written_on.errors:
            form.problems["written_on"] = _("Write the date on the paper card: from 2000 until today.")
        else:
            form.problems["form"] = _("This form was open for a long time. Check it and save it again.")
            form.submission_id.data = uuid.uuid4().hex
    return render_template("cards/paper_card.html", unit=unit, form=form), 422 if form.problems else 200
