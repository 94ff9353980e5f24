"""The coordinators' and editors' home (what needs attention, unit by unit) and the stories search."""

from flask import Blueprint, render_template, request
from flask_login import login_required

from ..database import utcnow
from ..org.access import can
from ..org.models import RoleName, Unit
from ..org.service import active_units, all_workgroups
from ..rc import DIMENSIONS
from ..web import csv_download
from . import rules, service

bp = Blueprint("desk", __name__)
COORDINATOR, EDITOR = RoleName.COORDINATOR, RoleName.EDITOR


def _my_units() -> list[tuple[Unit, bool, bool]]:
    """The active units this account works in: each with whether it coordinates and whether it edits there."""
    roles = [(u, can(COORDINATOR, u), can(EDITOR, u)) for u in active_units()]
    return [(u, coordinates, edits) for u, coordinates, edits in roles if coordinates or edits]


@bp.get("/manage")
@login_required
def manage():
    """What needs attention in each unit this account works in, each line linking to where it is handled."""
    mine, now = _my_units(), utcnow()
    units = service.attention([(u, rules.kinds_for(c, e)) for u, c, e in mine], now)
    return render_template("org/manage.html", units=units, now=now, can=can, roles=RoleName)


def _search() -> tuple[service.Filters, list[Unit], set[int], dict]:
    """The search's filters as the query parameters give them (anything unknown is ignored), the units searched
    and those where every card may be seen (the account coordinates there)."""
    mine = _my_units()
    units = [u for u, _c, _e in mine]
    full = {u.id for u, coordinates, _e in mine if coordinates}
    args = request.args
    by_key = {u.key: u for u in units}
    workgroups = {w.key: w for w in all_workgroups()}
    unit = by_key.get(args.get("unit", ""))
    workgroup = workgroups.get(args.get("workgroup", ""))
    filters = service.Filters(
        unit_id=unit.id if unit else None, workgroup_id=workgroup.id if workgroup else None,
        dimension=args.get("dimension") if args.get("dimension") in {d.key for d in DIMENSIONS} else None,
        status=args.get("status") if args.get("status") in service.STATUSES else None,
        written_from=rules.date_value(args.get("from")), written_to=rules.date_value(args.get("to")),
        words=" ".join(rules.words(args.get("words", "")[:200])))
    # What the form shows back: only what was understood.
    shown = {"unit": unit.key if unit else "", "workgroup": workgroup.key if workgroup else "",
             "dimension": filters.dimension or "", "status": filters.status or "",
             "from": filters.written_from.isoformat() if filters.written_from else "",
             "to": filters.written_to.isoformat() if filters.written_to else "", "words": filters.words}
    return filters, units, full, shown


@bp.get("/stories")
@login_required
def stories():
    """Search the stories of the units this account works in; one page at a time, or all of them as CSV."""
    filters, units, full, shown = _search()
    page = rules.page_number(request.args.get("page"))
    found, total = service.search(filters, units, full, page)
    query = {k: v for k, v in shown.items() if v}
    zones = sorted({u.timezone for u in units if not filters.unit_id or u.id == filters.unit_id})
    return render_template("desk/stories.html", units=units, full=full, workgroups=all_workgroups(),
                           dimensions=DIMENSIONS, statuses=service.STATUSES, shown=shown, query=query,
                           cards=found, total=total, page=page, pages=rules.pages(total), zones=zones,
                           writer=lambda card: service.writer(card, full))


@bp.get("/stories.csv")
@login_required
def stories_csv():
    """Every story the search finds (not only one page), as a CSV file."""
    filters, units, full, _shown = _search()
    return csv_download(service.CSV_HEADER, service.csv_rows(filters, units, full),
                        f"stories-{utcnow():%Y-%m-%d}.csv")
