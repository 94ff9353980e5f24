"""Survey pages: opening waves, answering anonymously (once per device, or once per code), the figures,
the wording."""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer

from ..board import service as board
from ..extensions import db
from ..links import absolute_url
from ..org.access import admin_only, can, unit_role
from ..org.models import RoleName
from ..org.service import active_workgroups, unit_people
from ..qr import qr_data_uri
from ..rc import DIMENSIONS
from ..web import clean_text, csv_download, db_id
from . import csvfile, rules, service
from .models import DEFAULT_STAFF_TITLE, Wave

bp = Blueprint("survey", __name__)
COORDINATOR = RoleName.COORDINATOR
# A device that answered a wave keeps this cookie: the wave's id, signed, the same on every device that
# answered (so it tells nothing about who), scoped to the answer pages.
ANSWERED_COOKIE = "rcbingo_answered_{}"
ANSWERED_DAYS = 400  # the longest browsers keep a cookie
INVITED_MAX = 9999  # staff invited from one workgroup, as the form allows
TITLE_MAX = 120


@bp.context_processor
def survey_context():
    return {"dimensions": DIMENSIONS, "band": rules.band}


@bp.route("/u/<unit_key>/surveys", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def waves(unit):
    """The unit's survey waves; administrators open new ones."""
    if request.method == "POST":
        if not current_user.is_admin:
            abort(403, _("Only administrators open survey waves."))
        known = {w.id for w in active_workgroups()}
        chosen = {w for w in request.form.getlist("workgroups", type=db_id) if w in known}
        invited = {w: min(request.form.get(f"invited-{w}", type=db_id) or 0, INVITED_MAX) for w in chosen}
        name = (request.form.get("name") or "").strip()
        staff_title = " ".join((request.form.get("staff_title") or "").split())
        open_link = request.form.get("answer_by") == "link"
        uncounted = rules.uncounted(invited) if open_link else []
        if not name or len(chosen) < 2:
            flash(_("Name the wave and choose at least two workgroups to rate."), "problem")
        elif len(staff_title) > TITLE_MAX:
            flash(_("Shorten the title staff see to %(most)s characters.", most=TITLE_MAX), "problem")
        elif uncounted:
            names = {w.id: w.name for w in active_workgroups()}
            flash(_("An open link needs how many staff of each rated workgroup are invited, so that more answers "
                    "than people invited mark the wave suspect. Fill in the invited staff of: %(names)s.",
                    names=", ".join(names[w] for w in uncounted)), "problem")
        else:
            wave, token = service.open_wave(unit, name=name[:120], kind=request.form.get("kind", "staff"),
                                            invited=invited, actor=current_user, open_link=open_link,
                                            staff_title=staff_title)
            if open_link:
                return _show_link(wave, token)
            flash(_("The wave is open and takes one-time answer codes: issue one for each invited person."))
            return redirect(url_for("survey.codes", wave_id=wave.id))
    return render_template("survey/waves.html", unit=unit, waves=service.unit_waves(unit),
                           workgroups=active_workgroups(), form=request.form, default_title=DEFAULT_STAFF_TITLE)


def _show_link(wave: Wave, token: str):
    link = absolute_url("survey.respond", token=token)
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
    """A wave: while open, how many answered; once closed, its figures as released at the close (never resting
    on too few respondents), compared with the wave closed before it."""
    wave = _wave_for_staff(wave_id)
    if request.method == "POST":
        return _act(wave)
    released = service.release(wave)
    before = db.session.get(Wave, released.previous) if released and released.previous else None
    names = {w.key: w.name for w in service.wave_workgroups(wave)} | {
        service.FAMILY: _("Patients and families"), service.NOT_LISTED: _("Workgroup not listed")}
    return render_template(
        "survey/results.html", wave=wave, unit=wave.unit, released=released,
        result=released.figures if released else None, before=before,
        earlier=service.release(before).figures if before else None, names=names,
        rates=service.response_rates(wave), sources=service.answer_sources(wave),
        suspect=released.suspect if released else service.suspect(wave), focus=board.focus_of(wave.unit),
        needed=None if released else service.answers_needed(wave), threshold=service.threshold(),
        not_listed=service.NOT_LISTED)


@bp.get("/surveys/<int:wave_id>/figures.csv")
@login_required
def figures_csv(wave_id):
    """A closed wave's released figures as CSV: withheld figures are not in the file at all, and a suspect wave
    says so on its first row."""
    wave = _wave_for_staff(wave_id)
    released = service.release(wave) or abort(404, _("A wave's figures are published when it closes."))
    rows = [("warning", "suspect", _("Suspect: more people answered than were invited. Someone may have answered "
                                     "more than once, so these figures may not be the team's."), "", "")
            ] if released.suspect else []
    return csv_download(["section", "key", "value", "respondents", "band"],
                        rows + rules.as_rows(released.figures), f"rc-survey-wave-{wave.id}.csv")


def _act(wave: Wave):
    action = request.form.get("action")
    if action == "focus":
        board.set_focus(wave.unit, request.form.getlist("focus"), actor=current_user)
        flash(_("Focus squares saved: the board and the wall show them."))
    elif not current_user.is_admin:
        abort(403)
    elif action == "close":
        service.close_wave(wave, actor=current_user)
        flash(_("The wave is closed for good: it takes no more answers, and its figures are published as they "
                "are now."))
    elif action == "link":
        try:
            return _show_link(wave, service.reissue_link(wave, actor=current_user))
        except service.WaveClosed:
            flash(_("The wave is closed: it takes no more answers."), "problem")
    elif action == "import":
        upload = request.files.get("file")
        text = clean_text(upload.read(2_000_000).decode("utf-8", errors="replace")) if upload else ""
        try:
            problems = service.import_csv(wave, text, actor=current_user) if text else None
        except csvfile.HeaderError as error:  # no usable header row: nothing to import, say why
            problems = [error]
        except service.WaveClosed:
            problems = [_("the wave is closed, and its figures are final")]
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


@bp.route("/surveys/<int:wave_id>/codes", methods=["GET", "POST"])
@admin_only
def codes(wave_id):
    """A wave's one-time answer codes: issue and print them, cancel unused ones, take answers by code only."""
    wave = db.session.get(Wave, wave_id) or abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "issue":
            count = request.form.get("count", type=int)
            if wave.closed_at is not None:
                flash(_("The wave is closed: it takes no more answers."), "problem")
            elif count is None or not 1 <= count <= service.MAX_CODES:
                flash(_("Issue between 1 and %(most)s codes at a time.", most=service.MAX_CODES), "problem")
            else:
                return _code_sheet(wave, service.issue_codes(wave, count, actor=current_user))
        elif action == "mode":
            codes_only = request.form.get("codes_only") == "yes"
            try:
                service.set_codes_only(wave, codes_only, actor=current_user)
            except ValueError:
                flash(_("This wave was opened without how many staff of each workgroup are invited, which an open "
                        "link needs so that more answers than people invited mark it suspect: it keeps taking "
                        "answer codes only."), "problem")
            else:
                flash(_("Only answer codes are taken now: the open link refuses answers.") if codes_only
                      else _("The open link and the answer codes both take answers. The open link cannot stop one "
                             "person from answering again from another browser."))
        elif action == "cancel":
            cancelled = service.cancel_unused_codes(wave, actor=current_user)
            flash(ngettext("%(num)s unused code cancelled.", "%(num)s unused codes cancelled.", cancelled))
        else:
            abort(400)
        return redirect(url_for("survey.codes", wave_id=wave.id))
    issued, used = service.code_counts(wave)
    invited = sum(w.invited for w in wave.workgroups)
    roster = 0 if invited or wave.kind != "staff" else sum(p.retired_at is None for p in unit_people(wave.unit))
    return render_template("survey/codes.html", wave=wave, unit=wave.unit, issued=issued, used=used,
                           most=service.MAX_CODES, invited=invited, roster=roster,
                           offered=rules.codes_to_offer(invited, roster, issued, service.MAX_CODES))


def _code_sheet(wave: Wave, issued: list[str]):
    slips = []
    for code in issued:
        link = absolute_url("survey.respond_with_code", code=code)
        slips.append((service.shown_code(code), link, qr_data_uri(link)))
    return render_template("survey/codes_sheet.html", wave=wave, unit=wave.unit, slips=slips)


@bp.route("/s/<token>", methods=["GET", "POST"])
def respond(token):
    """The anonymous questionnaire by the wave's open link: once per device."""
    wave = service.open_wave_for(token)
    if wave is None:
        abort(404, _("This survey link is closed or unknown."))
    if wave.codes_only:
        return _refused(wave, 403, _("This survey is answered by code"),
                        _("Scan the QR code on the slip you were given: each code takes one set of answers."))
    if _answered_here(wave):
        return _already_answered(wave)
    return _questionnaire(wave)


@bp.route("/s/code/<code>", methods=["GET", "POST"])
def respond_with_code(code):
    """The anonymous questionnaire by a one-time answer code (the code is in the path, like the link's secret)."""
    found = service.code_for(code)
    if found is None:
        abort(404, _("This answer code is unknown, or its survey is closed."))
    wave = db.session.get(Wave, found.wave_id)
    if found.used:
        return _code_used(wave)
    # A code wave's shared phone or ward tablet may take several people's codes; otherwise a device that
    # answered by the open link does not answer again by a code.
    if not wave.codes_only and _answered_here(wave):
        return _already_answered(wave)
    return _questionnaire(wave, code=code)


def _questionnaire(wave: Wave, code: str | None = None):
    """Your workgroup, then each workgroup on the seven items; stored once, then the device remembers it."""
    workgroups = service.wave_workgroups(wave)
    family = wave.kind == service.FAMILY
    rater = service.FAMILY if family else request.form.get("rater", "")
    problem = None
    if request.method == "POST":
        keys = {w.key for w in workgroups}
        ratings = {w.key: {d.key: _answer(request.form.get(f"{w.key}-{d.key}")) for d in DIMENSIONS}
                   for w in workgroups}
        if not family and rater not in keys | {service.NOT_LISTED}:
            problem = _("Choose your own workgroup first.")
        elif not any(v is not None for answers in ratings.values() for v in answers.values()):
            problem = _("Answer at least one question before sending.")
        else:
            try:
                service.answer(wave, rater, ratings, code=code)
            except service.CodeRefused:
                return _code_used(wave)
            except service.WaveClosed:
                return _refused(wave, 410, _("This survey is closed"),
                                _("The survey closed before your answers arrived, so they were not counted. "
                                  "Thank you for taking the time."))
            response = make_response(render_template("survey/thanks.html", wave=wave))
            response.set_cookie(ANSWERED_COOKIE.format(wave.id), _answered_signer().dumps(wave.id),
                                max_age=ANSWERED_DAYS * 86400, path=f"{request.script_root}/s/", httponly=True,
                                samesite="Lax",
                                secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"])
            return response
    items = service.items()
    minutes = rules.minutes_to_answer(len(workgroups), len(items), asks_rater=not family)
    return render_template("survey/respond.html", wave=wave, workgroups=workgroups, items=items, minutes=minutes,
                           family=family, rater=rater, not_listed=service.NOT_LISTED, problem=problem,
                           form=request.form), 422 if problem else 200


def _answer(value: str | None) -> int | None:
    return int(value) if value in ("1", "2", "3", "4", "5") else None


def _answered_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="rcbingo.survey.answered")


def _answered_here(wave: Wave) -> bool:
    """Whether this device carries the signed mark of having answered this wave."""
    mark = request.cookies.get(ANSWERED_COOKIE.format(wave.id))
    try:
        return mark is not None and _answered_signer().loads(mark) == wave.id
    except BadSignature:
        return False


def _already_answered(wave: Wave):
    # A second sending is refused (409); opening the link again is not an error.
    return _refused(wave, 409 if request.method == "POST" else 200, _("This device has already answered"),
                    _("Answers from this phone or computer are already in for this survey: each person answers "
                      "once, so that everyone counts the same. A colleague can answer on their own device."),
                    stamp="✓")


def _code_used(wave: Wave):
    return _refused(wave, 410, _("This code has already been used"),
                    _("Each answer code takes one set of answers, and this one has been used. If you have not "
                      "answered yet, ask the person who gave you the code for a new one."))


def _refused(wave: Wave, status: int, heading: str, message: str, stamp: str = "!"):
    """A friendly page for an answer that is not taken: nothing is stored."""
    return render_template("survey/refused.html", wave=wave, heading=heading, message=message, stamp=stamp,
                           sent=request.method == "POST"), status


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
