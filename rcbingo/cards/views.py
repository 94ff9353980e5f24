"""The kiosk card: shown, filled, sent, thanked; type-ahead and rows for the people involved."""

import logging
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .. import budgets, pages
from ..budgets import client_network
from ..extensions import csrf, htmx
from ..i18n import translated
from ..org.access import can
from ..org.models import RoleName
from ..org.service import active_units, active_workgroups, known_unit, person, search_people, unit_by_key
from ..org.tablets import COOKIE as TABLET_COOKIE
from ..org.tablets import enrolled_tablet, kiosk_allowed
from ..privacy.highlight import segments
from ..rc import FAMILIES, dimensions_of
from ..web import db_id
from . import rules, service
from .forms import CardForm, person_form

bp = Blueprint("cards", __name__)
log = logging.getLogger(__name__)


@bp.context_processor
def card_context():
    return {"families": FAMILIES, "dimensions_of": dimensions_of, "rules": rules}


def _kiosk_unit(unit_key: str, find=unit_by_key):
    """The unit whose card this is, if this device may write cards for it (`find`: known_unit for a page that only
    shows the unit, unit_by_key for one that writes)."""
    unit = find(unit_key)
    if unit is None:
        abort(404, _("There is no unit with that address. Ask your coordinator for the card's link."))
    if not kiosk_allowed(unit, request.cookies.get(TABLET_COOKIE)) and not can(RoleName.COORDINATOR, unit):
        abort(403, _("This device is not enrolled to send cards for %(unit)s. "
                     "Ask a coordinator to enrol it.", unit=unit.name))
    return unit


def _render_card(unit, form: CardForm, status: int = 200):
    form.set_choices(active_workgroups(), active_units(), default_unit=unit.key)
    template = "cards/_card.html" if htmx else "cards/kiosk.html"
    return render_template(template, unit=unit, form=form), status


@bp.get("/u/<unit_key>/card")
def show_card(unit_key):
    """A blank card; htmx asks for the card alone to clear the screen for the next person."""
    unit = _kiosk_unit(unit_key, known_unit)
    locale = str(get_locale())
    # This request's own CSRF token and a fresh submission id: never kept, never shown to the next person.
    submission_id = uuid.uuid4().hex
    if htmx:
        return pages.filled(_blank_card(unit, locale), submission_id=submission_id)
    return pages.for_anyone("card_page", (unit.id, locale), "cards/kiosk.html",
                            lambda: {"unit": unit, "card_html": _blank_card(unit, locale)}, submission_id=submission_id)


def _blank_card(unit, locale: str) -> Markup:
    """The blank card's markup, with slots for the CSRF token and the submission id: its workgroup and unit lists
    and its dimension tiles are made once per change of the roster and per language (rcbingo.pages)."""

    def render() -> Markup:
        form = CardForm(formdata=None)
        if "csrf_token" in form:
            form.csrf_token.current_token = pages.CSRF_SLOT
        form.submission_id.data = pages.slot("submission_id")
        form.set_choices(active_workgroups(), active_units(), default_unit=unit.key)
        return pages.rendered("cards/_card.html", unit=unit, form=form)

    return pages.once("blank_card", (unit.id, locale), render)


# The card checks its own CSRF token (form.validate) so that a stale token re-shows the
# card with everything typed still in it, instead of a bare error page.
@csrf.exempt
@bp.post("/u/<unit_key>/card")
def submit_card(unit_key):
    """Store a card once, or show it again with a message beside each field to fix."""
    unit = _kiosk_unit(unit_key)
    form = CardForm()
    if not form.validate() or not form.submission_ok:
        form.submission_id.data = form.submission_id.data if form.submission_ok else uuid.uuid4().hex
        form.problems["form"] = _("This card was open for a long time. Check it and tap Send again.")
        return _render_card(unit, form, 400)
    # On the screen's check (templates/cards/_check.html) the writer chose: take out what it marked and send
    # ("remove"), back to the card ("edit"), or send it as it is for review ("review"); the card's own Send has none.
    choice = request.form.get("flagged", "")
    draft = form.draft()
    if choice == "edit":
        form.problems.update(rules.marked_problems(draft, service.draft_findings(draft).found))
        return _render_card(unit, form)
    if choice == "remove":
        draft = service.without_marks(draft, say=translated)
        form.take(draft)
    budget = _CardBudget(unit)
    try:
        card, _stored = service.submit(draft, unit, form.submission_id.data, within_budget=budget.spend,
                                       writer_checks=choice != "review")
    except service.HeldForWriter as held:
        return _render_check(unit, form, draft, held.screened)
    except service.OverBudget:
        form.problems["form"] = budget.message()
        page, status = _render_card(unit, form, 429)
        return page, status, {"Retry-After": "60"}
    except service.CardRefused as refused:
        form.problems.update(refused.problems)
        if refused.resubmit:
            form.submission_id.data = uuid.uuid4().hex
        return _render_card(unit, form, 422)
    template = "cards/_thanks.html" if htmx else "cards/thanks.html"
    # A name the screen marked is not said back on a shared screen.
    names_shown = not card.flagged or not service.findings(card).nominees_marked
    return render_template(template, unit=unit, card=card, completed=getattr(card, "completed", []),
                           names_shown=names_shown)


def _render_check(unit, form: CardForm, draft, screened):
    """The screen's check: what it marked, in place in each field where it was found, and the writer's choices."""
    marked = rules.marked_fields(draft, screened.found)
    texts = {"nominator.name": (form.nominator.form.name.label.text, draft.nominator.name),
             "practice": (form.practice.label.text, draft.practice), "story": (form.story.label.text, draft.story)}
    texts |= {f"nominees.{at}.name": (_("Name of person %(number)s", number=at + 1), entry.name)
              for at, entry in enumerate(draft.nominees)}
    fields = [(texts[path][0], segments(texts[path][1].strip(), marks)) for path, marks in marked.items()]
    template = "cards/_check.html" if htmx else "cards/kiosk.html"
    return render_template(template, unit=unit, form=form, check=fields)


class _CardBudget:
    """The cards a kiosk may store a minute (config: CARDS_PER_TABLET, CARDS_PER_ADDRESS): counted per enrolled
    tablet, else per address (behind PROXY_HOPS proxies, the client's; IPv6: its /64). A card is counted as it is
    about to be stored, after the rules accepted it (service.submit): a refused card, or a repeat of a stored one, costs
    nothing; counting and checking are one step (budgets.spend), so cards sent at once cannot all pass. A card is never
    lost because the counter's storage is away: it is then let through."""

    def __init__(self, unit):
        tablet = enrolled_tablet(unit, request.cookies.get(TABLET_COOKIE))
        self.tablet = tablet is not None
        self.setting, self.key = (("CARDS_PER_TABLET", f"tablet:{tablet.id}") if self.tablet
                                  else ("CARDS_PER_ADDRESS", f"address:{client_network()}"))

    def spend(self) -> bool:
        try:
            return budgets.spend(current_app.config[self.setting], "cards", self.key)
        except Exception:
            log.warning("The card budget could not be counted: the card is let through", exc_info=True)
            return True

    def message(self) -> str:
        """Which budget refused, in the words of the person at the tablet (an address may be a whole hospital's)."""
        if self.tablet:
            return _("Many cards were sent from this tablet in the last minute. "
                     "Your card is kept here: wait a minute, then tap Send again.")
        return _("Many cards were sent from this network in the last minute. "
                 "Your card is kept here: wait a minute, then tap Send again.")


@bp.get("/u/<unit_key>/card/people")
def suggest_people(unit_key):
    """Roster names matching what is typed in a name box, to pick with one tap."""
    unit = _kiosk_unit(unit_key)
    slot = request.args.get("slot", "")
    people = search_people(request.args.get(f"{slot}-name", ""), near=unit) if _slot_ok(slot) else []
    return render_template("cards/_suggestions.html", unit=unit, slot=slot, people=people)


@bp.get("/u/<unit_key>/card/person")
def person_row(unit_key):
    """A person's row on the card: blank for "Add another person", or filled from the roster."""
    unit = _kiosk_unit(unit_key)
    slot = request.args.get("slot", "")
    if not _slot_ok(slot):
        abort(400)
    picked = person(request.args.get("person", type=db_id) or 0, near=unit)
    # On the coordinator's paper card the nominator's row speaks of "the writer".
    paper = urlsplit(htmx.current_url or "").path == url_for("review.paper_card", unit_key=unit.key)
    form = person_form(slot, picked, active_workgroups(), active_units(), default_unit=unit.key, paper=paper)
    return render_template("cards/_person.html", unit=unit, person=form, slot=slot, problems={},
                           adding=request.args.get("add") == "1")


def _slot_ok(slot: str) -> bool:
    number = slot.removeprefix("nominees-")
    return slot == "nominator" or (number != slot and number.isascii() and number.isdigit() and int(number) < 100)
