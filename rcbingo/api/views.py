"""The JSON API for integrations: bearer tokens scoped to units."""

import json
from datetime import UTC, date, datetime
from functools import wraps
from time import monotonic

from flask import Blueprint, current_app, flash, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select

from .. import zones
from ..board import live
from ..board import service as board
from ..cards import service as cards
from ..cards.models import Card
from ..cards.rules import Draft, Entry
from ..extensions import csrf, db
from ..links import server_root
from ..org.access import admin_only, can
from ..org.models import RoleName, Unit
from ..org.service import active_units
from ..web import csv_download, db_id
from . import service
from .openapi import as_html, document

bp = Blueprint("api", __name__)
VERSION = "1.0"
API_LIMIT = 200


class ApiProblem(Exception):
    def __init__(self, status: int, message: str, problems: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems


@bp.errorhandler(ApiProblem)
def _problem(error: ApiProblem):
    body = {"error": error.message} | ({"problems": error.problems} if error.problems else {})
    response = jsonify(body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rcbingo"'
    return response


class LazyUnit:
    """The URL's unit: its id at once (one indexed look-up), the full row only if a view needs it."""

    def __init__(self, unit_id: int):
        self.id = unit_id
        self._row: Unit | None = None

    @property
    def row(self) -> Unit:
        if self._row is None:
            self._row = db.session.get(Unit, self.id)
        return self._row


_unit_ids: dict[str, tuple[float, int | None]] = {}
UNIT_KEY_MAX = Unit.key.type.length


def _unit_id(unit_key: str) -> int:
    """The id of an active unit, remembered for a few seconds (a retired unit's API stops within them)."""
    if len(unit_key) > UNIT_KEY_MAX:
        raise ApiProblem(404, "There is no unit with that key.")
    cached, now = _unit_ids.get(unit_key), monotonic()
    if cached is None or now - cached[0] > service.GRANT_SECONDS:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.key == unit_key, Unit.retired_at.is_(None)))
        if len(_unit_ids) > 1000:
            _unit_ids.clear()
        cached = _unit_ids[unit_key] = (now, unit_id)
    if cached[1] is None:
        raise ApiProblem(404, "There is no unit with that key.")
    return cached[1]


def token_auth(*rights: str, session_role: RoleName | None = None):
    """The view needs a token for the URL's unit (with `rights`), or, if `session_role`, a signed-in account
    holding that role in the unit. It receives `unit`."""

    def decorate(view):
        @wraps(view)
        def wrapper(unit_key, **kwargs):
            unit = LazyUnit(_unit_id(unit_key))
            if session_role is not None and current_user.is_authenticated and can(session_role, unit.row):
                return view(unit=unit, **kwargs)
            header = request.headers.get("Authorization", "")
            grant = service.grant_for(header[7:].strip()) if header.startswith("Bearer ") else None
            if grant is None:
                raise ApiProblem(401, "Send a valid token: Authorization: Bearer <token>.")
            if unit.id not in grant.unit_ids:
                raise ApiProblem(403, "This token is not for that unit.")
            for right in rights:
                if not getattr(grant, f"can_{right}"):
                    raise ApiProblem(403, f"This token may not {right}.")
            g.api_grant = grant
            return view(unit=unit, **kwargs)

        return wrapper

    return decorate


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(document(VERSION, server_root()))


@bp.get("/api/docs")
def docs():
    """The API, described for people."""
    return render_template("api/docs.html", spec=document(VERSION, server_root()), markdown=as_html)


# No cookie authorizes this call, only the Authorization header, so there is nothing for CSRF to forge.
@csrf.exempt
@bp.post("/api/v1/units/<unit_key>/cards")
@token_auth("write")
def create_card(unit):
    """Create a card; the Idempotency-Key makes retries safe."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        raise ApiProblem(400, "Send an Idempotency-Key header (1 to 100 characters) so retries store the card once.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiProblem(400, "Send the card as a JSON object.")
    draft, request_hash = _draft(body), service.body_hash(body)
    try:
        card, stored = cards.submit(draft, unit, service.submission_id(g.api_grant, key), request_hash=request_hash)
    except cards.CardRefused as refused:
        raise ApiProblem(422, "The card was refused.", {
            field: problem.message % problem.params if problem.params else problem.message
            for field, problem in refused.problems.items()}) from None
    if not stored and card.request_hash not in (None, request_hash):  # (None: stored before hashes were kept)
        # draft-ietf-httpapi-idempotency-key-header: a key reused with another payload is a 422.
        raise ApiProblem(422, "This Idempotency-Key was used for another card: send a new key for a new card.")
    response = jsonify({"id": card.id, "status": card.status.value, "flagged": card.flagged})
    response.status_code = 201 if stored else 200
    return response


def _draft(body: dict) -> Draft:
    def text(value, name) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ApiProblem(422, "The card was refused.", {name: "must be text"})
        return value

    def entry(value, name) -> Entry:
        if not isinstance(value, dict):
            raise ApiProblem(422, "The card was refused.", {name: "must be an object with name, workgroup, unit"})
        return Entry(text(value.get("name"), f"{name}.name"), text(value.get("workgroup"), f"{name}.workgroup"),
                     text(value.get("unit"), f"{name}.unit"))

    nominees = body.get("nominees")
    dimensions = body.get("dimensions")
    if not isinstance(nominees, list):
        raise ApiProblem(422, "The card was refused.", {"nominees": "must be a list of people"})
    if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
        raise ApiProblem(422, "The card was refused.", {"dimensions": "must be a list of dimension keys"})
    flags = {name: body.get(name, True) for name in ("consent_publish", "show_nominator_name")}
    if not all(isinstance(v, bool) for v in flags.values()):
        raise ApiProblem(422, "The card was refused.", {"consent_publish": "must be true or false"})
    return Draft(nominator=entry(body.get("nominator"), "nominator"),
                 nominees=tuple(entry(n, f"nominees.{i}") for i, n in enumerate(nominees[:100])),
                 dimensions=frozenset(dimensions), practice=text(body.get("practice"), "practice"),
                 story=text(body.get("story"), "story"), **flags)


@bp.get("/api/v1/units/<unit_key>/cards")
@token_auth()
def list_cards(unit):
    """Published cards, newest first."""
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= API_LIMIT:
        raise ApiProblem(400, f"limit must be a whole number from 1 to {API_LIMIT}.")
    query = cards.published_cards().where(Card.unit_id == unit.id)
    if request.args.get("since"):
        query = query.where(Card.published_at > _moment(request.args["since"], "since"))
    if request.args.get("cursor"):
        place = service.cursor_place(request.args["cursor"])
        if place is None:
            raise ApiProblem(400, "cursor must be a next_cursor this API gave.")
        query = query.where(or_(Card.published_at < place[0], and_(Card.published_at == place[0],
                                                                    Card.id < place[1])))
    found = list(db.session.scalars(query.order_by(Card.published_at.desc(), Card.id.desc()).limit(int(limit) + 1)))
    page = found[:int(limit)]
    return jsonify({"cards": [service.card_json(card) for card in page],
                    "next_cursor": service.cursor_after(page[-1]) if len(found) > len(page) else None})


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ApiProblem(400, f"{name} must be a date and time such as 2026-11-01T00:00:00Z.") from None


@bp.get("/api/v1/units/<unit_key>/board")
@token_auth()
def show_board(unit):
    """The board as data: encoded once per change of the board, however often it is asked for."""
    body = live.once_per_version("board_json", unit.id, live.recent_version(unit.id),
                                 lambda: json.dumps(service.board_json(board.board(unit.row))))
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/api/v1/units/<unit_key>/cards.csv")
@token_auth("export", session_role=RoleName.COORDINATOR)
def export_cards(unit):
    """Every card written in the unit between two dates (inclusive, on the unit's clocks), for coordinators;
    times in the unit's zone with their offset."""
    try:
        start, end = (date.fromisoformat(request.args.get(name, "")) for name in ("from", "to"))
    except ValueError:
        raise ApiProblem(400, "from and to must be dates such as 2026-11-01.") from None
    if end < start or (end - start).days > 3660 or end >= date.max:
        raise ApiProblem(400, "to must be on or after from, and within ten years of it.")
    zone = unit.row.timezone
    first, after = zones.days(start, end, zone)
    query = select(Card).where(Card.unit_id == unit.id, Card.created_at >= first, Card.created_at < after)
    header = ["id", "written_at", "status", "published_at", "writer", "writer_workgroup", "nominees",
              "nominee_workgroups", "dimensions", "practice", "story", "may_publish", "show_writer", "flagged",
              "transcribed"]
    rows = ([card.id, zones.iso(card.created_at, zone), card.status.value,
             zones.iso(card.published_at, zone) if card.published_at else "", card.nominator_name,
             card.nominator_workgroup.key, "; ".join(n.name for n in card.nominees),
             "; ".join(n.workgroup.key for n in card.nominees), " ".join(card.dimensions_in_order),
             card.practice, card.story, card.consent_publish, card.show_nominator_name, card.flagged,
             card.transcribed_by_id is not None]
            for card in db.session.scalars(query.order_by(Card.created_at, Card.id)))
    return csv_download(header, rows, f"cards-{unit.row.key}-{start}-{end}.csv")


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@admin_only
def tokens():
    """Integration tokens: make one for some units (its secret is shown once), or revoke one."""
    secret = None
    if request.method == "POST":
        if request.form.get("revoke", type=db_id):
            token = db.session.get(service.ApiToken, request.form.get("revoke", type=db_id))
            if token is not None:
                service.revoke_token(token, actor=current_user)
        else:
            units = [u for u in active_units() if str(u.id) in request.form.getlist("units")]
            name = (request.form.get("name") or "").strip()
            if not name or not units:
                flash(_("Name the token and choose at least one unit."), "problem")
            else:
                _token, secret = service.create_token(name, units, can_write=bool(request.form.get("write")),
                                                      can_export=bool(request.form.get("export")),
                                                      actor=current_user)
    return render_template("api/tokens.html", tokens=service.all_tokens(), units=active_units(), secret=secret)
