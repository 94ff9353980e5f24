"""Integration tokens, and the JSON shapes of cards and boards."""

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ..audit.service import record
from ..board.service import Board
from ..cards.models import Card
from ..database import utcnow, write_transaction
from ..extensions import db
from ..org.models import ApiToken, ApiTokenUnit, Unit
from ..rc import DIMENSION_KEYS
from ..tokens import token_hash
from ..web import db_id

PREFIX = "rcb_"


def create_token(name: str, units: list[Unit], *, can_write: bool, can_export: bool, actor) -> tuple[ApiToken, str]:
    """A new token for the given units; its secret is returned once and only its hash is kept."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with write_transaction() as session:
        token = ApiToken(name=name.strip()[:120], token_hash=token_hash(secret), can_write=can_write,
                         can_export=can_export)
        token.units = [session.merge(u) for u in units]
        session.add(token)
        session.flush()
        record("api_token_changed", actor=actor, subject=f"api token {token.id}",
               detail="created for units " + ", ".join(u.key for u in units))
    return token, secret


def revoke_token(token: ApiToken, actor) -> None:
    with write_transaction() as session:
        session.merge(token).revoked_at = utcnow()
        record("api_token_changed", actor=actor, subject=f"api token {token.id}", detail="revoked")
    forget_grants()  # in this process at once; other processes within GRANT_SECONDS


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name)))


@dataclass(frozen=True)
class Grant:
    """What a valid token allows."""

    token_id: int
    can_write: bool
    can_export: bool
    unit_ids: frozenset[int]


# Tokens checked in the last few seconds, so a busy integration costs no database look-up per call.
# A revoked token therefore works for at most GRANT_SECONDS more.
GRANT_SECONDS = 5.0
_grants: dict[str, tuple[float, Grant | None]] = {}


def grant_for(secret: str) -> Grant | None:
    """The rights of a valid, unrevoked token; None for any other string."""
    key, now = token_hash(secret), time.monotonic()
    cached = _grants.get(key)
    if cached is not None and now - cached[0] < GRANT_SECONDS:
        return cached[1]
    rows = db.session.execute(select(ApiToken.id, ApiToken.can_write, ApiToken.can_export, ApiTokenUnit.unit_id)
                              .join(ApiTokenUnit, ApiTokenUnit.token_id == ApiToken.id)
                              .where(ApiToken.token_hash == key, ApiToken.revoked_at.is_(None))).all()
    grant = Grant(rows[0].id, rows[0].can_write, rows[0].can_export, frozenset(r.unit_id for r in rows)) if rows \
        else None
    if len(_grants) > 10_000:
        _grants.clear()
    _grants[key] = (now, grant)
    return grant


def forget_grants() -> None:
    _grants.clear()


def submission_id(grant: Grant, key: str) -> str:
    """The card's submission id for an idempotency key: the same key from the same token is the same card. Its
    "api-" prefix keeps it apart from the tablets' ids (32 hex digits, all a card form accepts), so nobody at a
    tablet can take an integration's id."""
    return "api-" + token_hash(f"{grant.token_id}:{key}")[:32]


def body_hash(body: dict) -> str:
    """A card request's body as the Idempotency-Key remembers it: the same JSON, however its keys are ordered or
    spaced, is the same body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def cursor_after(card: Card) -> str:
    """An opaque place in the newest-first list: the cards published before this one. Cards published later never
    move it."""
    place = json.dumps([card.published_at.astimezone(UTC).isoformat(), card.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(place.encode()).decode().rstrip("=")


def cursor_place(cursor: str) -> tuple[datetime, int] | None:
    """The (published at, id) a cursor of cursor_after stands for; None for anything it did not make."""
    if len(cursor) > 100:  # one of ours is about 65 characters
        return None
    try:
        when, card_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or not isinstance(card_id, int) or isinstance(card_id, bool):
            return None
        return moment.astimezone(UTC), db_id(str(card_id))
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, RecursionError):
        return None


def card_json(card: Card) -> dict:
    """A published card as integrations see it: as shareable as the writer allowed, never more."""
    return {
        "id": card.id,
        "unit": card.unit.key,
        "published_at": card.published_at.isoformat() if card.published_at else None,
        "writer": {"name": card.nominator_name if card.show_nominator_name else None,
                   "workgroup": card.nominator_workgroup.key},
        "nominees": [{"name": n.name, "workgroup": n.workgroup.key, "unit": n.unit.key} for n in card.nominees],
        "dimensions": card.dimensions_in_order,
        "practice": card.practice if card.consent_publish else None,
        "story": card.story if card.consent_publish else None,
    }


def board_json(board: Board) -> dict:
    game = board.game
    return {
        "unit": board.unit.key,
        "version": board.version,
        "game": None if game is None else {
            "id": game.id, "title": game.title, "prize": game.prize, "state": game.state.value,
            "starts_at": game.starts_at.isoformat() if game.starts_at else None,
            "ends_at": game.ends_at.isoformat() if game.ends_at else None},
        "focus": board.focus,
        "workgroups": [{
            "key": w.key, "name": w.name, "progress": board.progress.get(w.id, 0),
            "squares": {d: board.cards_per_square.get((w.id, d), 0) for d in DIMENSION_KEYS}}
            for w in board.ranked],
        "winners": [{"workgroup": w.workgroup.key, "rank": place.rank, "place": w.place, "card": w.card_id,
                     "declared_at": w.declared_at.isoformat()}
                    for place in board.announcement.ranked for w in place.wins],
        "being_checked": [{"workgroup": w.workgroup.key, "place": w.place, "card": w.card_id,
                           "declared_at": w.declared_at.isoformat()} for w in board.checking],
    }
