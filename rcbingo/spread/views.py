"""The organization view for administrators."""

from flask import Blueprint, render_template

from ..org.access import admin_only
from . import rules, service

bp = Blueprint("spread", __name__)


@bp.get("/admin/organization")
@admin_only
def organization():
    """Each unit's activity over the last weeks, its games and winners: how the game spreads."""
    rows = service.activity()
    shared = rules.scale(n for row in rows for n in row.weekly)
    return render_template("spread/organization.html", rows=rows, weeks=service.WEEKS, scale=shared)
