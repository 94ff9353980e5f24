"""Survey pages: opening waves, answering anonymously, the figures, the wording."""

import csv
import io

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..board import service as board
from ..extensions import db
from ..org.access import admin_only, can, unit_role
from ..org.models import RoleName
from ..org.service import active_workgroups
from ..qr import qr_data_uri
from ..rc import DIMENSIONS
from . import rules, service
from .models import Wave

bp = Blueprint("survey", __name__)
COORDINATOR = RoleName.COORDINATOR


@bp.context_processor
def survey_context():
    return {"dimensions": DIMENSIONS, "band": rules.band}


def _min_respondents() -> int:
    return rules.check_min_respondents(current_app.config["SURVEY_MIN_RESPONDENTS"])


@bp.route("/u/<unit_key>/surveys", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def waves(unit):
    """The unit's survey waves; administrators open new ones."""
    if request.method == "POST":
        if not current_user.is_admin:
            abort(403, _("Only administrators open survey waves."))
        chosen = {int(w) for w in request.form.getlist("workgroups") if w.isdigit()}
        invited = {w: request.form.get(f"invited-{w}", type=int) or 0 for w in chosen}
        name = (request.form.get("name") or "").strip()
        if not name or len(chosen) < 2:
            flash(_("Name the wave and choose at least two workgroups to rate."), "problem")
        else:
            wave, token = service.open_wave(unit, name=name[:120], kind=request.form.get("kind", "staff"),
                                            invited=invited, actor=current_user)
            return _show_link(wave, token)
    return render_template("survey/waves.html", unit=unit, waves=service.unit_waves(unit),
                           workgroups=active_workgroups())


def _show_link(wave: Wave, token: str):
    link = url_for("survey.respond", token=token, _external=True)
    flash(_("The answer link is shown only now: copy or print it."))
    return render_template("survey/link.html", wave=wave, unit=wave.unit, link=link, qr=qr_data_uri(link))


def _wave_for_staff(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id) or abort(404)
    if not can(COORDINATOR, wave.unit):
        abort(403, _("Only the unit's coordinators and administrators see its survey figures."))
    return wave


@bp.route("/surveys/<int:wave_id>", methods=["GET", "POST"])
@login_required
def results(wave_id):
    """A wave's figures (never resting on too few respondents), compared with the wave before."""
    wave = _wave_for_staff(wave_id)
    if request.method == "POST":
        return _act(wave)
    minimum = _min_respondents()
    result = service.figures(wave, minimum)
    before = service.previous_wave(wave)
    earlier = service.figures(before, minimum) if before else None
    changes = {}
    if earlier is not None:
        changes = {key: rules.compare(earlier, result, key) for key in [None, *result.workgroups]}
    names = {w.key: w.name for w in service.wave_workgroups(wave)} | {service.FAMILY: _("Patients and families")}
    return render_template(
        "survey/results.html", wave=wave, unit=wave.unit, result=result, before=before, earlier=earlier,
        changes=changes, names=names, rates=service.response_rates(wave),
        rating_map=service.rating_map(wave, result), suggestion=service.weakest(result),
        focus=board.focus_of(wave.unit))


@bp.get("/surveys/<int:wave_id>/figures.csv")
@login_required
def figures_csv(wave_id):
    """The wave's reportable figures as CSV: withheld figures are not in the file at all."""
    wave = _wave_for_staff(wave_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value", "respondents", "band"])
    writer.writerows(rules.as_rows(service.figures(wave, _min_respondents())))
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="rc-survey-wave-{wave.id}.csv"'
    return response


def _act(wave: Wave):
    action = request.form.get("action")
    if action == "focus":
        board.set_focus(wave.unit, request.form.getlist("focus"), actor=current_user)
        flash(_("Focus squares saved: the board and the wall show them."))
    elif not current_user.is_admin:
        abort(403)
    elif action == "close":
        service.close_wave(wave, actor=current_user)
        flash(_("The wave is closed: its link no longer takes answers."))
    elif action == "link":
        return _show_link(wave, service.reissue_link(wave, actor=current_user))
    elif action == "import":
        upload = request.files.get("file")
        text = upload.read(2_000_000).decode("utf-8", errors="replace") if upload else ""
        problems = service.import_csv(wave, text, actor=current_user) if text else None
        if problems is None:
            flash(_("Choose a CSV file to import."), "problem")
        elif problems:
            flash(_("Nothing was imported: %(problems)s", problems="; ".join(str(p) for p in problems[:10])),
                  "problem")
        else:
            flash(_("Responses imported."))
    else:
        abort(400)
    return redirect(url_for("survey.results", wave_id=wave.id))


@bp.route("/s/<token>", methods=["GET", "POST"])
def respond(token):
    """The anonymous questionnaire: your workgroup, then each workgroup on the seven items."""
    wave = service.open_wave_for(token)
    if wave is None:
        abort(404, _("This survey link is closed or unknown."))
    workgroups = service.wave_workgroups(wave)
    family = wave.kind == service.FAMILY
    rater = service.FAMILY if family else request.form.get("rater", "")
    problem = None
    if request.method == "POST":
        keys = {w.key for w in workgroups}
        ratings = {w.key: {d.key: _answer(request.form.get(f"{w.key}-{d.key}")) for d in DIMENSIONS}
                   for w in workgroups}
        if not family and rater not in keys:
            problem = _("Choose your own workgroup first.")
        elif not any(v is not None for answers in ratings.values() for v in answers.values()):
            problem = _("Answer at least one question before sending.")
        else:
            service.answer(wave, rater, ratings)
            return render_template("survey/thanks.html", wave=wave)
    return render_template("survey/respond.html", wave=wave, workgroups=workgroups, items=service.items(),
                           family=family, rater=rater, problem=problem, form=request.form), 422 if problem else 200


def _answer(value: str | None) -> int | None:
    return int(value) if value in ("1", "2", "3", "4", "5") else None


@bp.route("/admin/survey-wording", methods=["GET", "POST"])
@admin_only
def wording():
    """The survey's wording: our plain-language default, or the organization's own licensed items."""
    items = service.items()
    if request.method == "POST":
        texts = {i.dimension: (request.form.get(f"wording-{i.dimension}") or "").strip() for i in items}
        labels = {i.dimension: [(request.form.get(f"label-{i.dimension}-{n}") or "").strip() for n in range(1, 6)]
                  for i in items}
        if any(not t for t in texts.values()) or any(not label for ls in labels.values() for label in ls):
            flash(_("Every item needs its wording and all five answer labels."), "problem")
        else:
            service.save_items(texts, labels, actor=current_user)
            flash(_("Survey wording saved."))
            return redirect(url_for("survey.wording"))
    return render_template("survey/wording.html", items=items)
