"""The board for staff and coordinators, games, the wall display and its live stream, the recognition map."""

import socket
from contextlib import suppress

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from .. import pages, zones
from ..database import OutOfTime, bounded, outage, rollback_quietly, unavailable_reason
from ..extensions import db, htmx
from ..i18n import translated
from ..links import absolute_url
from ..org.access import can, unit_owned, unit_role
from ..org.models import RoleName, Unit
from ..org.service import KnownUnit, active_workgroups, known_unit, known_units
from ..org.tablets import COOKIE as TABLET_COOKIE
from ..org.tablets import kiosk_allowed
from ..qr import qr_data_uri
from ..rc import DIMENSIONS, FAMILIES, N_, dimensions_of
from ..tokens import token_hash
from ..web import db_id
from . import live, rules, service
from .forms import DisplayForm, GameForm
from .models import Display, GameState, Win

bp = Blueprint("board", __name__)
COORDINATOR = RoleName.COORDINATOR
KEEPALIVE_SECONDS = 15
RETRY_MS = 2000


@bp.context_processor
def board_context():
    return {"dimensions": DIMENSIONS, "families": FAMILIES, "dimensions_of": dimensions_of, "states": GameState,
            "announced": rules.announced}


def watcher() -> live.Watcher:
    app = current_app._get_current_object()
    if "rcbingo_watcher" not in app.extensions:
        app.extensions["rcbingo_watcher"] = live.Watcher(app, prepare=_prepare_wall_events)
    return app.extensions["rcbingo_watcher"]


@bp.get("/u/<unit_key>/board")
def show_board(unit_key):
    """The unit's live board: for staff on the unit's devices, and for anyone with a role there."""
    unit = known_unit(unit_key) or abort(404)
    if not kiosk_allowed(unit, request.cookies.get(TABLET_COOKIE)) and not any(can(r, unit) for r in RoleName):
        abort(403, _("This device is not enrolled for %(unit)s.", unit=unit.name))
    locale = str(get_locale())
    if htmx:  # the board polling itself
        return _board_html(unit, locale)
    return pages.for_anyone("board_page", (unit.id, locale), "board/board.html",
                            lambda: {"unit": unit, "board_html": _board_html(unit, locale)})


def _board_html(unit: KnownUnit, locale: str) -> Markup:
    """The board as the board page shows it: the same for everyone who may see it, so made once per change and
    language in this process (rcbingo.pages), however many screens ask."""

    def render() -> Markup:
        row = db.session.get(Unit, unit.id)
        return pages.rendered("board/_board.html", board=service.board(row), unit=row, live=True)

    return pages.once("board_html", (unit.id, locale), render)


@bp.route("/u/<unit_key>/games", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def games(unit):
    """The unit's games, past and present, and a form to start the next round."""
    form = GameForm()
    active = active_workgroups()
    form.workgroups.choices = [SelectChoice(w.id, w.name) for w in active]
    latest = next(iter(service.unit_games(unit)), None)
    form.ends_at.label.text = _("Ends (optional, %(zone)s time)", zone=unit.timezone)
    if request.method == "GET":
        form.workgroups.data = rules.workgroups_to_tick([w.id for w in latest.workgroups] if latest else None,
                                                        [w.id for w in active])
    if form.validate_on_submit():
        # Typed on the unit's clocks; stored in UTC.
        ends_at = zones.to_utc(form.ends_at.data, unit.timezone) if form.ends_at.data else None
        try:
            game = service.create_game(unit, title=form.title.data, workgroup_ids=form.workgroups.data,
                                       prize=form.prize.data or "", ends_at=ends_at,
                                       start_now=form.start_now.data, actor=current_user)
        except service.GameEndError as error:
            form.ends_at.errors = [translated(str(error))]
        except service.GameError as error:
            form.workgroups.errors = [translated(str(error))]
        else:
            flash(_("%(title)s is ready.", title=game.title))
            return redirect(url_for("board.game", unit_key=unit.key, game_id=game.id))
    return render_template("board/games.html", unit=unit, form=form, games=service.unit_games(unit),
                           focus=service.focus_of(unit)), 422 if form.errors else 200


@bp.post("/u/<unit_key>/focus")
@unit_role(COORDINATOR)
def set_focus(unit):
    """Mark the focus squares: where the unit wants recognition to go first."""
    service.set_focus(unit, request.form.getlist("focus"), actor=current_user)
    flash(_("Focus squares saved: the board and the wall show them."))
    return redirect(url_for("board.games", unit_key=unit.key))


@bp.route("/u/<unit_key>/games/<int:game_id>", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def game(unit, game_id):
    """One game: its board, its winners; start, close, confirm a win being checked, or revoke (decline) a win."""
    the_game = service.unit_game(unit, game_id) or abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "start":
                service.start_game(the_game, actor=current_user)
                flash(_("The game has started: published cards count in it from now on."))
            elif action == "close":
                service.close_game(the_game, actor=current_user)
                flash(_("The game is closed: it counts no more cards."))
            elif action == "confirm":
                service.confirm_win(_game_win(the_game), actor=current_user)
                flash(_("Bingo confirmed: the walls celebrate it now."))
            elif action == "revoke":
                win = _game_win(the_game)
                reason = (request.form.get("reason") or "").strip()
                if not reason:
                    raise service.GameError(N_("Say why the win is declined.") if win.pending
                                            else N_("Say why the win is revoked."))
                service.revoke_win(win, reason, actor=current_user)
            else:
                abort(400)
        except service.GameError as error:
            flash(translated(str(error)), "problem")
        return redirect(url_for("board.game", unit_key=unit.key, game_id=the_game.id))
    return render_template("board/game.html", unit=unit, game=the_game, board=service.board(unit, the_game))


def _game_win(game) -> Win:
    """The win the form names, of this game (404 otherwise)."""
    win = db.session.get(Win, request.form.get("win", type=db_id) or 0)
    if win is None or win.game_id != game.id:
        abort(404)
    return win


@bp.route("/u/<unit_key>/displays", methods=["GET", "POST"])
@unit_role(COORDINATOR)
def displays(unit):
    """Wall display links: make one (with its QR code), see them, revoke them."""
    form = DisplayForm()
    link = qr = None
    if form.validate_on_submit():
        _display, token = service.create_display(unit, form.name.data, actor=current_user)
        link = absolute_url("board.wall", token=token)
        qr = qr_data_uri(link)
        form.name.data = ""
    return render_template("board/displays.html", unit=unit, form=form, link=link, qr=qr,
                           displays=service.unit_displays(unit))


@bp.post("/u/<unit_key>/displays/<int:display_id>/revoke")
@unit_role(COORDINATOR)
def revoke_display(unit, display_id):
    """Turn a wall display off: its screen goes dark within seconds."""
    display = unit_owned(Display, display_id, unit)
    service.revoke_display(display, actor=current_user)
    flash(_("%(name)s no longer shows the board.", name=display.name))
    return redirect(url_for("board.displays", unit_key=unit.key))


@bp.get("/u/<unit_key>/recognition")
@unit_role(COORDINATOR, RoleName.EDITOR)
def recognition(unit):
    """Which workgroups recognise which, and who nobody has recognised yet."""
    game = service.current_game(unit)
    everyone = request.args.get("all") == "1"
    workgroups, counts = service.recognition(unit, None if everyone else game)
    participants = game.workgroups if game and not everyone else workgroups
    unrecognised = [w for w in participants if not any(b == w.id for _a, b in counts)]
    return render_template("board/recognition.html", unit=unit, game=game, everyone=everyone,
                           workgroups=workgroups, counts=counts, unrecognised=unrecognised)


@bp.get("/wall/<token>")
def wall(token):
    """The wall display: full screen, read-only, no sign-in; it keeps itself up to date."""
    unit_id = service.displayed_unit(token)
    unit = next((u for u in known_units() if u.id == unit_id), None)
    if unit is None:
        abort(404, _("This display link has been turned off. Ask a coordinator for a new one."))

    def board_html() -> Markup:
        row = db.session.get(Unit, unit.id)
        wall_board = service.board(row, stories=current_app.config["WALL_STORIES"])
        return pages.rendered("board/_wall_board.html", board=wall_board, unit=row)

    # Made once per change and language (rcbingo.pages), as the board page is; the link is put in per request.
    locale = str(get_locale())
    return pages.for_anyone("wall_page", (unit.id, locale), "board/wall.html", lambda: {
        "unit": unit, "board_html": pages.once("wall_board_html", (unit.id, locale), board_html)}, token=token)


@bp.get("/wall/<token>/stream")
def wall_stream(token):
    """Server-Sent Events: the whole board on connect and after every change, keepalives between.

    While the database is away the stream stays open and says so (the wall shows "reconnecting…"), and sends the
    board the moment this process finds the database back: no wall waits for a reconnection, let alone a reload."""
    watch = watcher()
    hashed, address = token_hash(token), request.remote_addr or ""
    per_link, per_address = current_app.config["WALL_STREAMS_PER_LINK"], current_app.config["WALL_STREAMS_PER_ADDRESS"]
    # The budgets first, before any database read: a flood on one link or from one address costs nothing more.
    if not watch.streams.room(hashed, address, per_link, per_address):
        return _stream_refused()
    unit_id = _displayed_unit(token)
    if unit_id is None:
        abort(404)
    if request.method == "HEAD":  # the wall asking whether it may come back (static/resilience.js): holds nothing
        return Response(status=200, mimetype="text/event-stream")
    if not watch.streams.take(hashed, address, per_link, per_address):
        return _stream_refused()

    def events():
        yield f"retry: {RETRY_MS}\n\n"
        shown = unit_id
        while shown is UNKNOWN:  # connected while the database was away: who is this display for?
            yield STATUS_DOWN
            if not watch.wait_for_database(KEEPALIVE_SECONDS):
                yield ": keepalive\n\n"
            shown = _displayed_unit(token)
        if shown is None:
            yield _event(render_template("board/_wall_off.html"), retry=60_000)
            return
        with watch.watching(shown):
            seen = watch.changes
            sent, stale, down = 0, True, False  # stale: the wall needs the board now
            while True:
                if stale:
                    # Woken by a change, the board is almost always made already (by the watcher): then no database,
                    # as hundreds of streams wake at once.
                    message = (sent and live.prepared("wall_events", shown, watch.versions.get(shown, 0))) or \
                        _guarded_wall_event(shown, watch.versions.get(shown) if sent else None)
                    if message is None:  # the database is away
                        if not down:
                            yield STATUS_DOWN
                            down = True
                        if not watch.wait_for_database(KEEPALIVE_SECONDS):
                            yield ": keepalive\n\n"
                        seen = watch.changes
                        continue
                    (sent, board), stale, down = message, False, False
                    yield board
                changed = watch.wait(seen, timeout=KEEPALIVE_SECONDS)
                if changed == seen:
                    yield ": keepalive\n\n"
                    continue
                seen = changed
                if hashed in watch.revoked:
                    yield _event(render_template("board/_wall_off.html"), retry=60_000)
                    return
                if outage.unreadable:
                    if not down:
                        yield STATUS_DOWN
                        down = True
                    continue
                # Back after an outage: the board again whatever changed. Otherwise only a newer board (versions
                # only grow; the watcher tells every stream of the process at once).
                stale = down or watch.versions.get(shown, 0) > sent

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    given_back = []

    def give_back():  # once, when the server closes the answer (the wall went, or the stream ended)
        if not given_back:
            given_back.append(True)
            watch.streams.give_back(hashed, address)

    response.call_on_close(give_back)
    return response


def _stream_refused() -> Response:
    """Over a stream budget (config.py, "Budgets of public edges"): 503 with Retry-After. An EventSource gives up on
    it; the wall page asks again later by itself (static/resilience.js) and shows its calm "Reconnecting…" meanwhile."""
    response = Response("Too many screens are showing this board from here: this one will try again shortly.\n",
                        status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(current_app.config["WALL_STREAM_RETRY_SECONDS"])
    # Under gunicorn the connection ends with this answer rather than waiting its keep-alive seconds for another
    # request (gunicorn ignores a Connection header from the app): otherwise a flood of refused streams would still
    # hold every connection of the worker for those seconds. Reading is shut once the answer is written.
    connection = request.environ.get("gunicorn.socket")
    if connection is not None:
        response.call_on_close(lambda: _no_more_requests(connection))
    return response


def _no_more_requests(connection) -> None:
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RD)


# The stream's word to the wall that the database is away (static/resilience.js shows "reconnecting…").
STATUS_DOWN = "event: status\ndata: down\n\n"
UNKNOWN = -1


def _displayed_unit(token: str) -> int | None:
    """The unit a display link shows; None for no (or a revoked) display; UNKNOWN while the database is away."""
    try:
        with bounded(current_app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"]):
            display = service.display_for(token)
            return display.unit_id if display is not None else None
    except (Exception, OutOfTime) as error:
        return _away(error, UNKNOWN)


def _guarded_wall_event(unit_id: int, version: int | None) -> tuple[int, bytes] | None:
    """(The version, the wall's message) of a unit's board; None while the database is away."""
    try:
        with bounded(current_app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"]):
            version = version or live.version(unit_id)
            message = _wall_event(unit_id, version)
        db.session.rollback()  # hold no transaction (or SQLite snapshot) while streaming
        return version, message
    except (Exception, OutOfTime) as error:
        return _away(error, None)


def _away(error: BaseException, answer):
    """`answer` if `error` says the database is away (noted once in the log), else the error."""
    reason = unavailable_reason(error)
    if reason is None:
        raise error
    outage.failed(reason)
    rollback_quietly()
    return answer


def _event(html: str, retry: int | None = None) -> str:
    """One SSE message that swaps the wall's board: each line of HTML a data line, without the indentation
    (the wall has no preformatted text), as hundreds of walls receive it."""
    head = f"retry: {retry}\n" if retry else ""
    lines = (line.strip() for line in html.splitlines())
    return head + "event: board\n" + "".join(f"data: {line}\n" for line in lines if line) + "\n"


def _prepare_wall_events(versions: dict[int, int]) -> None:
    """(In the watcher, before the streams wake.) Render the changed boards that this process's walls show."""
    for unit_id, version in versions.items():
        _wall_event(unit_id, version)


def _wall_event(unit_id: int, version: int) -> bytes:
    """The wall's board as an SSE message, rendered and encoded once per change however many walls watch it."""

    def render() -> bytes:
        unit = db.session.get(Unit, unit_id)
        # The watcher renders outside any request, where this blueprint's context processor does not run.
        wall_board = service.board(unit, stories=current_app.config["WALL_STORIES"])
        html = render_template("board/_wall_board.html", board=wall_board, unit=unit, **board_context())
        db.session.rollback()  # a stream holds no transaction (or SQLite snapshot) while it waits
        return _event(html).encode()

    return live.once_per_version("wall_events", unit_id, version, render)
