"""The home page and managing a unit: settings, roster, workgroups, tablets (the coordinators' home is desk/)."""

from functools import partial

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import pages
from ..extensions import db
from ..i18n import translated
from ..links import absolute_url
from ..qr import qr_data_uri
from ..web import clean_text
from . import service, tablets
from .access import admin_only, can, unit_owned, unit_role
from .forms import MergeForm, PersonForm, RosterImportForm, TabletForm, UnitForm, UnitSettingsForm, WorkgroupForm
from .models import Person, RoleName, Tablet, Unit, Workgroup
from .rules import may_add_workgroup, parse_roster_csv

bp = Blueprint("org", __name__)
COORDINATOR = RoleName.COORDINATOR
CSV_MAX_BYTES = 200_000


@bp.app_context_processor
def organization_context():
    """Every page shows the organization's program name (read once per change of the names)."""
    return {"org": pages.once("org_names", None, service.organization_names)}


@bp.get("/health")
def health():
    """For load balancers and monitoring: the process answers (no database touched)."""
    return {"status": "ok"}


@bp.get("/")
def home():
    """Every unit with a link to its card (the list made once per change of the roster and per language)."""
    locale = str(get_locale())
    return pages.for_anyone("home_page", locale, "org/home.html", lambda: {"units_html": pages.once(
        "home_units", locale, lambda: pages.rendered("org/_units.html", units=service.active_units()))})


@bp.route("/u/<unit_key>/settings", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def unit_settings(unit):
    """Whether cards are reviewed first, whether only enrolled tablets may send them, whether wins are confirmed."""
    form = UnitSettingsForm(data={"review_first": "review" if unit.review_first else "publish",
                                  "require_enrolled_tablets": unit.require_enrolled_tablets,
                                  "confirm_wins": unit.confirm_wins})
    if form.validate_on_submit():
        service.save_unit_settings(unit, review_first=form.review_first.data == "review",
                                   require_enrolled_tablets=form.require_enrolled_tablets.data,
                                   confirm_wins=form.confirm_wins.data, actor=current_user)
        flash(_("Settings saved for %(unit)s.", unit=unit.name))
        return redirect(url_for("org.unit_settings", unit_key=unit.key))
    return render_template("org/settings.html", unit=unit, form=form)


def _person_form(unit, person=None) -> PersonForm:
    data = {"name": person.name, "workgroup": person.workgroup.key, "unit": person.unit.key} if person else {
        "unit": unit.key}
    form = PersonForm(data=data)
    form.workgroup.choices = [SelectChoice("", _("Choose…")),
                              *(SelectChoice(w.key, w.name) for w in service.active_workgroups())]
    # A coordinator places people only in units they coordinate.
    form.unit.choices = [SelectChoice(u.key, u.name) for u in service.active_units() if can(COORDINATOR, u)]
    return form


@bp.route("/u/<unit_key>/roster", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def roster(unit):
    """The unit's staff, with a form to add one."""
    form = _person_form(unit)
    if form.validate_on_submit():
        service.save_person(None, name=form.name.data, workgroup_key=form.workgroup.data,
                            unit=service.unit_by_key(form.unit.data), actor=current_user)
        flash(_("%(name)s is on the roster.", name=form.name.data))
        return redirect(url_for("org.roster", unit_key=unit.key))
    status = 422 if form.errors else 200
    return render_template("org/roster.html", unit=unit, form=form, people=service.unit_people(unit)), status


@bp.route("/u/<unit_key>/roster/<int:person_id>", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def edit_person(unit, person_id):
    """Rename a person, change their workgroup, or move them to another unit."""
    person = unit_owned(Person, person_id, unit)
    form = _person_form(unit, person)
    if form.validate_on_submit():
        service.save_person(person, name=form.name.data, workgroup_key=form.workgroup.data,
                            unit=service.unit_by_key(form.unit.data), actor=current_user)
        flash(_("Saved %(name)s.", name=form.name.data))
        return redirect(url_for("org.roster", unit_key=unit.key))
    return render_template("org/person.html", unit=unit, form=form, person=person)


@bp.post("/u/<unit_key>/roster/<int:person_id>/retire")
@unit_role(COORDINATOR)
def retire_person(unit, person_id):
    """Retire a person, or bring them back: their cards stay either way."""
    person = unit_owned(Person, person_id, unit)
    retire = request.form.get("retire") != "no"
    service.set_person_retired(person, retire, actor=current_user)
    flash(_("%(name)s is retired: their cards stay.", name=person.name) if retire
          else _("%(name)s is back on the roster.", name=person.name))
    return redirect(url_for("org.roster", unit_key=unit.key))


@bp.route("/u/<unit_key>/roster/import", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def import_roster(unit):
    """Upload a CSV, see each row's problems, then import the rows (nothing is saved before that)."""
    form = RosterImportForm()
    rows, text = None, ""
    if form.validate_on_submit():
        upload = form.file.data
        text = form.csv_text.data or ""  # None when neither a file nor the text was sent
        if upload:
            text = clean_text(upload.read(CSV_MAX_BYTES + 1).decode("utf-8", errors="replace"))
        if len(text) > CSV_MAX_BYTES:
            flash(_("That file is too large: split it into files under 200 KB."), "problem")
            text = ""
        rows = parse_roster_csv(text, service.workgroup_lookup()) if text else []
        if request.form.get("confirm") == "yes" and rows and not any(r.problems for r in rows):
            added = service.import_people(unit, rows, actor=current_user)
            flash(_("Imported %(rows)s rows: %(added)s new people.", rows=len(rows), added=added))
            return redirect(url_for("org.roster", unit_key=unit.key))
        form.csv_text.data = text
    return render_template("org/import.html", unit=unit, form=form, rows=rows,
                           workgroups=service.active_workgroups())


@bp.route("/workgroups", methods=["GET", "POST"])
@login_required
def workgroups():
    """The organization's workgroups; coordinators add, administrators rename, merge and retire."""
    if not current_user.is_admin and not current_user.roles:
        abort(403)
    may_add = may_add_workgroup(current_user.is_admin, current_user.role_set())
    form = WorkgroupForm()
    if form.validate_on_submit():
        workgroup = service.add_workgroup(form.name.data, actor=current_user)
        flash(_("Added the workgroup %(name)s.", name=workgroup.name))
        return redirect(url_for("org.workgroups"))
    return render_template("org/workgroups.html", form=form, workgroups=service.all_workgroups(), may_add=may_add)


@bp.route("/workgroups/<int:workgroup_id>", methods=["GET", "POST"])
@admin_only
def edit_workgroup(workgroup_id):
    """Rename, merge or retire a workgroup: it changes every unit's card and board."""
    workgroup = db.session.get(Workgroup, workgroup_id) or abort(404)
    form = WorkgroupForm(data={"name": workgroup.name})
    merge = MergeForm()
    merge.into.choices = [SelectChoice(str(w.id), w.name) for w in service.active_workgroups() if w.id != workgroup.id]
    action = request.form.get("action")
    if action == "rename" and form.validate_on_submit():
        service.rename_workgroup(workgroup, form.name.data, actor=current_user)
        flash(_("Renamed to %(name)s.", name=form.name.data))
        return redirect(url_for("org.workgroups"))
    if action == "merge" and merge.validate_on_submit():
        target = db.session.get(Workgroup, int(merge.into.data))
        service.merge_workgroups(workgroup, target, actor=current_user)
        flash(_("%(source)s is merged into %(target)s.", source=workgroup.name, target=target.name))
        return redirect(url_for("org.workgroups"))
    if action in ("retire", "restore"):
        service.set_workgroup_retired(workgroup, action == "retire", actor=current_user)
        return redirect(url_for("org.workgroups"))
    return render_template("org/workgroup.html", workgroup=workgroup, form=form, merge=merge)


@bp.route("/admin/units", methods=["GET", "POST"])
@admin_only
def units():
    """Every unit of the organization, with a form to add one."""
    form = UnitForm()
    if form.validate_on_submit() and _saved_unit(form, service.add_unit):
        flash(_("Added the unit %(name)s: give it coordinators on the Accounts page.", name=form.name.data))
        return redirect(url_for("org.units"))
    return render_template("org/units.html", form=form, units=service.all_units()), 422 if form.errors else 200


@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def edit_unit(unit_id):
    """Rename a unit: its links (card, board, wall displays, tablets) stay as they are."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(data={"name": unit.name})
    if form.validate_on_submit() and _saved_unit(form, partial(service.rename_unit, unit)):
        flash(_("Renamed to %(name)s.", name=form.name.data))
        return redirect(url_for("org.units"))
    return render_template("org/unit.html", form=form, unit=unit), 422 if form.errors else 200


def _saved_unit(form: UnitForm, save) -> bool:
    """Save the form's name, or keep what was typed and show why not (another unit has the name)."""
    form.name.data = " ".join(form.name.data.split())
    try:
        save(form.name.data, actor=current_user)
    except service.UnitNameTaken as taken:
        form.name.errors = [translated(taken.problem)]
        return False
    return True


@bp.route("/u/<unit_key>/tablets", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def unit_tablets(unit):
    """Enrolled tablets, and a one-time link (with its QR code) to enrol another."""
    form = TabletForm()
    link = qr = None
    if form.validate_on_submit():
        _tablet, secret = tablets.create_enrolment(unit, form.name.data, actor=current_user)
        link = absolute_url("org.enrol_tablet", link=secret)
        qr = qr_data_uri(link)
        form.name.data = ""
    return render_template("org/tablets.html", unit=unit, form=form, link=link, qr=qr,
                           tablets=tablets.unit_tablets(unit))


@bp.post("/u/<unit_key>/tablets/<int:tablet_id>/revoke")
@unit_role(COORDINATOR)
def revoke_tablet(unit, tablet_id):
    """Stop a tablet (or its unused link) from sending cards."""
    tablet = unit_owned(Tablet, tablet_id, unit)
    tablets.revoke(tablet, actor=current_user)
    flash(_("%(name)s can no longer send cards.", name=tablet.name))
    return redirect(url_for("org.unit_tablets", unit_key=unit.key))


@bp.route("/enrol/<link>", methods=["GET", "POST"])
def enrol_tablet(link):
    """Opened on the tablet itself: one tap enrols it and sends it to the unit's card. Opened again later (a
    refresh, a bookmark, the code scanned twice), an enrolled tablet goes to its card; another device is told why
    the link no longer works and what to do."""
    tablet = tablets.link_tablet(link)
    state = tablets.link_state(tablet) if tablet is not None else "unknown"
    if state != "waiting":
        enrolled = tablets.enrolled_tablet(None, request.cookies.get(tablets.COOKIE))
        if enrolled is not None:
            return redirect(url_for("cards.show_card", unit_key=enrolled.unit.key), 303)
        return render_template("org/enrol.html", tablet=tablet, state=state), 404 if state == "unknown" else 410
    if request.method == "GET":
        return render_template("org/enrol.html", tablet=tablet, state=state)
    device = tablets.enrol(tablet)
    # 303: the tablet's address becomes the card's, so a refresh or a restart shows the card again.
    response = make_response(redirect(url_for("cards.show_card", unit_key=tablet.unit.key), 303))
    response.set_cookie(tablets.COOKIE, device, max_age=tablets.COOKIE_DAYS * 86400, httponly=True,
                        samesite="Lax", secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"])
    return response
