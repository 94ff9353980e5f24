"""The home page: every unit, with the way to its card."""

from flask import Blueprint, render_template

from .service import active_units, organization

bp = Blueprint("org", __name__)


@bp.get("/")
def home():
    """Every unit with a link to its card."""
    return render_template("org/home.html", units=active_units(), org=organization())
