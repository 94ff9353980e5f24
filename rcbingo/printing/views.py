"""A unit's printables: the paper card (two to a sheet) and the poster, as PDFs; and the page that offers them."""

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _

from ..links import absolute_url
from ..newsletter.service import pdf_in_child
from ..org.access import unit_role
from ..org.models import RoleName
from ..qr import qr_data_uri
from ..rc import FAMILIES, dimensions_of
from ..web import attachment

bp = Blueprint("printing", __name__)
COORDINATOR = RoleName.COORDINATOR

# Sheet (landscape, two cards side by side) → each card's size (A5 on A4, US half-letter on Letter) and the
# lines for the story that fill it.
PAPER_CARDS = {"a4": ("A4", "148.5mm", "210mm", 10), "letter": ("letter", "139.7mm", "215.9mm", 10)}
POSTERS = {"a4": "A4", "letter": "letter"}


def _kiosk_link(unit) -> str:
    """Where the unit's card opens: what the poster's QR code and printed address lead to."""
    return absolute_url("cards.show_card", unit_key=unit.key)


@bp.get("/u/<unit_key>/print")
@unit_role(COORDINATOR)
def index(unit):
    """Paper cards and the poster to print, and where the wall display and tablet QR codes are made."""
    link = _kiosk_link(unit)
    return render_template("printing/index.html", unit=unit, link=link, qr=qr_data_uri(link))


def _pdf(template: str, filename: str, **context):
    pdf = pdf_in_child(lambda: render_template(template, families=FAMILIES, dimensions_of=dimensions_of, **context))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    return attachment(response, filename, inline=True)


@bp.get("/u/<unit_key>/print/paper-cards.pdf")
@unit_role(COORDINATOR)
def paper_cards(unit):
    """The paper card, laid out like the original, two to a landscape sheet (A5 on A4, half-letter on Letter)."""
    paper = request.args.get("paper", "a4")
    if paper not in PAPER_CARDS:
        abort(404, _("Paper cards print on A4 or US Letter paper."))
    sheet, width, height, lines = PAPER_CARDS[paper]
    return _pdf("printing/paper_cards.html", f"paper-cards-{unit.key}-{paper}.pdf", unit=unit, sheet=sheet,
                card_width=width, card_height=height, story_lines=lines)


@bp.get("/u/<unit_key>/print/poster.pdf")
@unit_role(COORDINATOR)
def poster(unit):
    """A poster for the unit's wall: "Recognise a colleague", with the QR code of the unit's card."""
    paper = request.args.get("paper", "a4")
    if paper not in POSTERS:
        abort(404, _("Posters print on A4 or US Letter paper."))
    link = _kiosk_link(unit)
    return _pdf("printing/poster.html", f"poster-{unit.key}-{paper}.pdf", unit=unit, sheet=POSTERS[paper],
                link=link, qr=qr_data_uri(link))
