"""Games and their boards: counting published cards, declaring wins, and what a board shows."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from itertools import groupby

from sqlalchemy import Integer, String, bindparam, delete, exists, func, insert, literal, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import pages
from ..audit.service import record
from ..cards.events import Completed, card_edited, card_published, card_unpublished
from ..cards.models import Card, CardStatus, Nominee
from ..cards.rules import credited_workgroups
from ..cards.service import published_cards
from ..database import holding_a_queued_lock, utcnow, write_transaction
from ..extensions import db
from ..org.events import names_changed, settings_changed, workgroups_merged
from ..org.models import Unit, Workgroup
from ..rc import DIMENSION_KEYS, N_
from ..tokens import token_hash
from . import live, rules
from .models import Credit, Display, FocusDimension, Game, GameState, GameWorkgroup, Square, Win

COUNTING = (GameState.RUNNING, GameState.WON)
COUNTING_QUEUE = 0x52434247  # PostgreSQL's advisory lock key space of the cards waiting to be counted ("RCBG")


class GameEndError(ValueError):
    """A game's end that would stop it counting any card."""


class GameError(ValueError):
    """A change to a game that its state does not allow, in words for the coordinator."""


# --- counting cards -------------------------------------------------------------------------

def counting_game(session, unit_id: int, at: datetime) -> Game | None:
    """The unit's game that a card published at `at` counts in, if any."""
    return session.scalar(select(Game).where(
        Game.unit_id == unit_id, Game.state.in_(COUNTING), Game.starts_at <= at,
        or_(Game.ends_at.is_(None), Game.ends_at > at)).order_by(Game.id.desc()).limit(1))


@card_published.connect
def count_card(card: Card, *, session, **_) -> Completed | None:
    """Credit a just-published card in its unit's running game and declare any win it completes.

    Runs inside the publishing transaction, holding the game's row lock (SQLite: the write lock),
    so two cards published at once are counted one after the other and only one can be first.
    Every writer takes the game's lock before the unit's board version, so they never deadlock. Under the lock the
    card costs a handful of statements, whatever the number of cards already counted: the first one finds the game,
    takes its lock and reserves the card's places in the game's order of credits (the most it can need: a gap is
    harmless), as every round trip made while holding it makes the next card wait. Answers the workgroups whose
    board the card completed, if any (the writer's thank-you says so).
    """
    at = card.published_at or utcnow()
    named = credited_workgroups(card.nominator_workgroup_id, [n.workgroup_id for n in card.nominees])
    dimensions = card.dimensions_in_order
    reserved = len(named) * len(dimensions)
    # Core statements made once: the ORM's work per statement would be done while the next cards wait (and it would
    # read the parameters below as rows to insert).
    connection = session.connection()
    dialect = connection.dialect.name
    turn = {"unit": card.unit_id, "at": at, "reserved": reserved}
    game = connection.execute(_turn_statement(dialect), turn).first()
    if game is None and dialect == "postgresql":
        # The statement read the games as they were before it waited for the turn (if it did): a game started
        # meanwhile, under the turn, is seen once the turn is this card's (a rare second look, for a unit with no
        # game counting).
        _take_turn(session, card.unit_id)
        game = connection.execute(_turn_statement(dialect), turn).first()
    if game is not None:
        holding_a_queued_lock(session)
    if game is None or not reserved:
        live.bump(session, card.unit_id)
        return
    session.flush()  # (as live.bump does: nothing of the transaction's is written after the board's version)
    # The squares the card credits, each with its place in the game's order of credits, kept only for workgroups in
    # the game as read under its lock (a merge changes them under it). The credits, then the squares, which say
    # which workgroups were credited and whether a square had no card before; on PostgreSQL in one statement with
    # the board's version.
    squares = [(w, d) for w in named for d in dimensions]
    credits, upsert = _counting_statements(dialect, len(squares))
    params = {"game_id": game.id, "card_id": card.id, "counted_at": utcnow(), "unit": card.unit_id}
    for n, (w, d) in enumerate(squares):
        params |= {f"w{n}": w, f"d{n}": d, f"seq{n}": game.credit_seq - reserved + n + 1}
    if credits is not None:
        connection.execute(credits, params)
    counted = connection.execute(upsert, params).all()
    live.bump(session, card.unit_id, bumped=credits is None and any(bumped for *_row, bumped in counted))
    if any(cards == 1 for _w, cards, _bumped in counted):  # only a newly covered square can complete a board
        return _declare_wins(session, game.id, game.state, card.id, sorted({w for w, _cards, _bumped in counted}))
    return None


@lru_cache(maxsize=4)
def _turn_statement(dialect: str):
    """count_card's first statement: it finds the unit's game counting a card published `at`, takes the game's lock
    and reserves `reserved` places in its order of credits. Its conditions are checked again on the row itself once
    locked: a game that stopped counting while the card waited is left out."""
    unit_id, at = bindparam("unit", type_=Integer), bindparam("at", type_=Game.starts_at.type)
    game, latest = Game.__table__.c, Game.__table__.alias("latest").c
    latest_id = select(latest.id).where(
        latest.unit_id == unit_id, latest.starts_at <= at, latest.state.in_(COUNTING),
        or_(latest.ends_at.is_(None), latest.ends_at > at)).order_by(latest.id.desc()).limit(1).scalar_subquery()
    statement = update(Game.__table__).where(
        game.id == latest_id, game.state.in_(COUNTING), or_(game.ends_at.is_(None), game.ends_at > at))
    if dialect == "postgresql":
        # PostgreSQL queues the waiters for a row that each holder updates out of order (each update makes a new row
        # version, and those waiting for the old one lose their place to newcomers): the cards of a unit wait for
        # their turn in a transaction-scoped advisory lock instead, a first-come first-served queue, in this same
        # statement. (Other writers of the game's row need no turn: they only take the row's lock.)
        statement = statement.where(_turn(unit_id).scalar_subquery().is_not(None))
    return statement.values(credit_seq=game.credit_seq + bindparam("reserved", type_=Integer)).returning(
        game.id, game.credit_seq, game.state)


@lru_cache(maxsize=64)
def _counting_statements(dialect: str, squares: int):
    """count_card's two statements for a card with this many squares, made once (their values are parameters)."""
    wanted = union_all(*(select(bindparam(f"w{n}", type_=Integer).label("workgroup_id"),
                                bindparam(f"d{n}", type_=String).label("dimension"),
                                bindparam(f"seq{n}", type_=Integer).label("seq")) for n in range(squares))).subquery()
    game_id = bindparam("game_id", type_=Integer)

    def in_game(*columns):
        return select(*columns).select_from(wanted).join(
            GameWorkgroup, GameWorkgroup.workgroup_id == wanted.c.workgroup_id).where(GameWorkgroup.game_id == game_id)

    credits = insert(Credit).from_select(
        ["game_id", "card_id", "workgroup_id", "dimension", "seq", "counted_at"],
        in_game(game_id, bindparam("card_id", type_=Integer), wanted.c.workgroup_id, wanted.c.dimension,
                wanted.c.seq, bindparam("counted_at", type_=Credit.counted_at.type)))
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Square)
    upsert = upsert.from_select(["game_id", "workgroup_id", "dimension", "cards"], in_game(
        game_id, wanted.c.workgroup_id, wanted.c.dimension, literal(1, Integer)))
    upsert = upsert.on_conflict_do_update(
        index_elements=["game_id", "workgroup_id", "dimension"], set_={"cards": Square.cards + upsert.excluded.cards})
    if dialect != "postgresql":
        return credits, upsert.returning(Square.workgroup_id, Square.cards, literal(False))
    # One round trip fewer each while the next cards wait: the credits and the board's version in the squares'
    # statement (each changes other rows, so their order within it does not matter; all of them are under the turn).
    credited, bumped = credits.returning(Credit.id).cte("credited"), live.bump_statement(True).cte("bumped")
    return None, upsert.add_cte(credited, bumped).returning(
        Square.workgroup_id, Square.cards, exists(select(bumped.c[0])).label("bumped"))


def _declare_wins(session, game_id: int, state: GameState, card_id: int | None,
                  credited: list[int]) -> Completed | None:
    """Declare a win for each credited workgroup that now has all seven squares and had none, at the next place (the
    caller holds the game's lock). Where the unit confirms wins, it waits for a coordinator (confirm_win) before any
    board announces it, and the game stays running until then."""
    covered = session.execute(select(Square.workgroup_id, Square.dimension).where(
        Square.game_id == game_id, Square.workgroup_id.in_(credited), Square.cards > 0)).all()
    done = rules.completed([rules.CreditRow(0, 0, w, d) for w, d in covered], credited)
    if not done:
        return None
    already = set(session.scalars(select(Win.workgroup_id).where(Win.game_id == game_id)))
    new = sorted(done - already)
    if not new:
        return None
    place = (session.scalar(select(func.max(Win.place)).where(Win.game_id == game_id)) or 0) + 1
    checked = session.scalar(select(Unit.confirm_wins).join(Game, Game.unit_id == Unit.id).where(Game.id == game_id))
    now = utcnow()
    session.add_all(Win(game_id=game_id, workgroup_id=w, card_id=card_id, place=place, declared_at=now,
                        confirmed_at=None if checked else now) for w in new)
    session.flush()
    if not checked:
        _settle_state(session, game_id)
    names = session.scalars(select(Workgroup.name).where(Workgroup.id.in_(new)).order_by(Workgroup.name))
    return Completed(tuple(names), bool(checked))


def _settle_state(session, game_id: int) -> None:
    """A counting game is won exactly when rules.announced announces a place, else running: called whenever its wins
    change (declared, confirmed, revoked, dropped), so no later finisher confirmed alone makes it "won"."""
    won = rules.announced(session.scalars(select(Win).where(Win.game_id == game_id)).all()).won
    session.execute(update(Game).where(Game.id == game_id, Game.state.in_(COUNTING)).values(
        state=GameState.WON if won else GameState.RUNNING).execution_options(synchronize_session="fetch"))


def _drop_unfinished_wins(session, game_id: int) -> None:
    """Wins still being checked whose workgroup no longer has all seven squares (a card behind them was withdrawn
    or rejected) are dropped: nothing was announced, and the next card that completes the board declares it again,
    at the place its own counting gives it. Confirmed wins stay until revoked (the caller holds the game's lock)."""
    pending = session.scalars(select(Win).where(Win.game_id == game_id, Win.confirmed_at.is_(None),
                                                Win.revoked_at.is_(None))).all()
    if not pending:
        return
    covered = session.execute(select(Square.workgroup_id, Square.dimension).where(
        Square.game_id == game_id, Square.workgroup_id.in_([w.workgroup_id for w in pending]), Square.cards > 0)).all()
    done = rules.completed([rules.CreditRow(0, 0, w, d) for w, d in covered], [w.workgroup_id for w in pending])
    for win in pending:
        if win.workgroup_id not in done:
            record("win_dropped", unit_id=session.scalar(select(Game.unit_id).where(Game.id == game_id)),
                   subject=f"game {game_id}", detail=f"workgroup {win.workgroup_id}: squares no longer all covered")
            session.delete(win)
    session.flush()
    _settle_state(session, game_id)


def _take_from_square(session, game_id: int, workgroup_id: int, dimension: str) -> None:
    """One card fewer on a square; a square with none left is uncovered (the caller holds the game's lock)."""
    key = (Square.game_id == game_id, Square.workgroup_id == workgroup_id, Square.dimension == dimension)
    session.execute(update(Square).where(*key).values(cards=Square.cards - 1))
    session.execute(delete(Square).where(*key, Square.cards <= 0))


@card_unpublished.connect
def uncount_card(card: Card, *, session, **_) -> None:
    """A rejected or withdrawn card stops covering squares; confirmed wins stay unless revoked, wins being checked
    go if their squares are no longer all covered."""
    credits = session.execute(select(Credit.game_id, Credit.workgroup_id, Credit.dimension).where(
        Credit.card_id == card.id)).all()
    for game_id in {c.game_id for c in credits}:
        session.scalar(select(Game.id).where(Game.id == game_id).with_for_update())
    session.execute(delete(Credit).where(Credit.card_id == card.id))
    for game_id, workgroup_id, dimension in credits:
        _take_from_square(session, game_id, workgroup_id, dimension)
    for game_id in {c.game_id for c in credits}:
        _drop_unfinished_wins(session, game_id)
    live.bump(session, card.unit_id)


@card_edited.connect
def _redraw_board(card: Card, *, session, **_) -> None:
    """A redacted story leaves the walls at once."""
    live.bump(session, card.unit_id)


@workgroups_merged.connect
def _merge_into_games(_sender=None, *, source_id: int, target_id: int, session, **_):
    """Games that had the merged workgroup now have the one it joined, with its squares."""
    games = set(session.scalars(select(Credit.game_id).where(Credit.workgroup_id == source_id).distinct()))
    games |= set(session.scalars(select(GameWorkgroup.game_id).where(GameWorkgroup.workgroup_id == source_id)))
    # The games' locks first, as a card being counted takes them (see count_card).
    session.scalars(select(Game.id).where(Game.id.in_(games)).order_by(Game.id).with_for_update()).all()
    for game_id in session.scalars(select(GameWorkgroup.game_id).where(GameWorkgroup.workgroup_id == source_id)):
        if not session.get(GameWorkgroup, (game_id, target_id)):
            session.add(GameWorkgroup(game_id=game_id, workgroup_id=target_id))
    session.execute(delete(GameWorkgroup).where(GameWorkgroup.workgroup_id == source_id))
    # A card that credited both workgroups keeps one credit per square.
    twin = aliased(Credit)
    session.execute(delete(Credit).where(Credit.workgroup_id == source_id, exists().where(
        twin.game_id == Credit.game_id, twin.card_id == Credit.card_id, twin.dimension == Credit.dimension,
        twin.workgroup_id == target_id)))
    session.execute(update(Credit).where(Credit.workgroup_id == source_id).values(workgroup_id=target_id))
    for game_id in games:  # recount those games' squares from their credits
        session.execute(delete(Square).where(Square.game_id == game_id))
        rows = session.execute(select(Credit.workgroup_id, Credit.dimension, func.count(func.distinct(
            Credit.card_id))).where(Credit.game_id == game_id).group_by(Credit.workgroup_id, Credit.dimension))
        session.add_all(Square(game_id=game_id, workgroup_id=w, dimension=d, cards=n) for w, d, n in rows)
        session.flush()
        # The merged squares may complete the workgroup's board: it wins now, not at a card that covers nothing new.
        state = session.scalar(select(Game.state).where(Game.id == game_id))
        if state in COUNTING:
            _declare_wins(session, game_id, state, None, [target_id])


@names_changed.connect
def _redraw_every_board(_sender=None, *, session, **_):
    """A renamed workgroup, unit or program shows on every wall at once; with every unit's version, the stamp of the
    pages made once per change (rcbingo.pages) moves too, new units included."""
    for unit_id in session.scalars(select(Unit.id).order_by(Unit.id)):
        live.bump(session, unit_id)


@settings_changed.connect
def _redraw_unit(_sender=None, *, unit_id: int, session, **_):
    """A unit's settings change no board, but its version moves the stamp of the pages that keep a copy of it."""
    live.bump(session, unit_id)


pages.use_stamp(live.recent_stamp)


# --- what a board shows ---------------------------------------------------------------------

@dataclass
class Board:
    """Everything a board or wall shows of one game (or of a unit with no game)."""

    unit: Unit
    game: Game | None
    workgroups: list[Workgroup] = field(default_factory=list)
    cards_per_square: dict[tuple[int, str], int] = field(default_factory=dict)
    progress: dict[int, int] = field(default_factory=dict)
    wins: list[Win] = field(default_factory=list)
    stories: list[Card] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    version: int = 0

    def covered(self, workgroup_id: int, dimension: str) -> bool:
        return self.cards_per_square.get((workgroup_id, dimension), 0) > 0

    @cached_property
    def announcement(self) -> rules.Announcement:
        return rules.announced(self.wins)

    @property
    def winners(self) -> list[Win]:
        """The first place announced (confirmed, every earlier place decided; rules.announced)."""
        return self.announcement.winners

    @property
    def runners_up(self) -> list[Win]:
        """The places announced after the first (ranks 2, 3…: `announcement.ranked`)."""
        return self.announcement.runners_up

    @property
    def checking(self) -> list[Win]:
        """Wins being checked by a coordinator: the wall says "Bingo! Being checked", without a celebration."""
        return self.announcement.checking

    @cached_property
    def moments(self) -> list["Moment"]:
        """Each place announced, as the wall celebrates it (read only when a template asks: the wall's)."""
        return win_moments(self.game, self.announcement.ranked)

    @property
    def ranked(self) -> list[Workgroup]:
        """Workgroups by progress, most squares first: the race at a glance."""
        return sorted(self.workgroups, key=lambda w: (-self.progress.get(w.id, 0), w.name))


@dataclass
class Moment:
    """One place of a game announced (rank 1, then the runners-up), as the wall celebrates it: the workgroups that
    reached it with the same card, and the shareable stories that covered their squares, each with the squares it
    covered."""

    key: str
    rank: int
    declared_at: datetime  # when it was announced: its confirmation, where the unit confirms wins
    workgroups: list[Workgroup]
    stories: list[tuple[Card, list[str]]]


def win_moments(game: Game | None, ranked: list[rules.Ranked], per_moment: int = 4) -> list[Moment]:
    """The moments of a game's wins, with the cards that covered each winner's squares: for each square the card
    that covers it first (a withdrawn card's credits are gone, so these cover it now). Two queries however long the
    game; only shareable stories (published, consent given); per moment the last `per_moment`, the winning card's
    among them."""
    if game is None or not ranked:
        return []
    winners = {w.workgroup_id for place in ranked for w in place.wins}
    first = (select(Credit.workgroup_id, Credit.dimension, func.min(Credit.seq).label("seq"))
             .where(Credit.game_id == game.id, Credit.workgroup_id.in_(winners))
             .group_by(Credit.workgroup_id, Credit.dimension).subquery())
    rows = db.session.execute(select(Credit.workgroup_id, Credit.dimension, Credit.card_id, Credit.seq).join(
        first, (Credit.workgroup_id == first.c.workgroup_id) & (Credit.dimension == first.c.dimension)
        & (Credit.seq == first.c.seq)).where(Credit.game_id == game.id).order_by(Credit.seq)).all()
    cards = {c.id: c for c in db.session.scalars(published_cards().where(
        Card.id.in_({r.card_id for r in rows}), Card.consent_publish.is_(True)).options(
        joinedload(Card.nominator_workgroup), selectinload(Card.nominees).joinedload(Nominee.workgroup)))}
    moments = []
    for place in ranked:
        placed = place.wins
        ids = {w.workgroup_id for w in placed}
        covered: dict[int, list[str]] = {}  # card id -> squares, in the order the cards came
        for row in rows:
            if row.workgroup_id in ids and row.card_id in cards:
                covered.setdefault(row.card_id, []).append(row.dimension)
        stories = [(cards[c], [d for d in DIMENSION_KEYS if d in dims]) for c, dims in covered.items()]
        key = f"{game.id}-{placed[0].place}-" + "-".join(str(w.id) for w in placed)
        moments.append(Moment(key=key, rank=place.rank,
                              declared_at=max(w.confirmed_at or w.declared_at for w in placed),
                              workgroups=[w.workgroup for w in placed], stories=stories[-per_moment:]))
    return moments


def current_game(unit: Unit) -> Game | None:
    """The game a unit's board shows: the counting one, else the latest."""
    running = counting_game(db.session, unit.id, utcnow())
    return running or db.session.scalar(select(Game).where(Game.unit_id == unit.id).order_by(Game.id.desc()).limit(1))


def board(unit: Unit, game: Game | None = None, stories: int = 6) -> Board:
    """A game's board: its grid, each workgroup's progress, its wins and the unit's newest shareable stories."""
    game = game or current_game(unit)
    result = Board(unit=unit, game=game, version=live.version(unit.id), focus=focus_of(unit))
    result.stories = list(db.session.scalars(published_cards().where(
        Card.unit_id == unit.id, Card.consent_publish.is_(True)).order_by(
        Card.published_at.desc(), Card.id.desc()).limit(stories).options(
        joinedload(Card.nominator_workgroup), selectinload(Card.nominees).joinedload(Nominee.workgroup))))
    if game is None:
        return result
    result.workgroups = list(game.workgroups)
    rows = db.session.execute(select(Square.workgroup_id, Square.dimension, Square.cards).where(
        Square.game_id == game.id))
    result.cards_per_square = {(w, d): n for w, d, n in rows if n > 0}
    result.progress = {w.id: sum(result.covered(w.id, d) for d in DIMENSION_KEYS) for w in result.workgroups}
    result.wins = list(db.session.scalars(select(Win).where(Win.game_id == game.id).order_by(
        Win.place, Win.id).options(joinedload(Win.workgroup))))
    return result


def board_at(game: Game, moment: datetime) -> Board:
    """A game's board as it stood at `moment` (rules.squares_at over its credits): its grid and each workgroup's
    progress from the cards published before then, and the wins declared before then. Two queries."""
    result = Board(unit=game.unit, game=game, workgroups=list(game.workgroups), focus=focus_of(game.unit))
    credits = [rules.CreditRow(seq, card_id, workgroup_id, dimension, published_at) for seq, card_id, workgroup_id,
               dimension, published_at in db.session.execute(select(
                   Credit.seq, Credit.card_id, Credit.workgroup_id, Credit.dimension, Card.published_at).join(
                   Card, Card.id == Credit.card_id).where(Credit.game_id == game.id))]
    result.cards_per_square = rules.squares_at(credits, moment)
    result.progress = {w.id: sum(result.covered(w.id, d) for d in DIMENSION_KEYS) for w in result.workgroups}
    result.wins = [w for w in game.wins if w.declared_at < moment]
    return result


def games_started(unit_ids, before: datetime) -> list[Game]:
    """The games of these units that had started before `before` (an upcoming game has not), oldest first."""
    return list(db.session.scalars(select(Game).where(
        Game.unit_id.in_(unit_ids), Game.starts_at.is_not(None), Game.starts_at < before)
        .order_by(Game.starts_at, Game.id).options(joinedload(Game.unit))))


def races(unit_ids, at: datetime) -> dict[int, tuple[Game, dict[int, int], set[int]]]:
    """For each unit with a game counting at `at`: that game, how many squares each workgroup has covered,
    and the workgroups that have won it (wins not revoked). A few queries however many units."""
    games: dict[int, Game] = {}
    for game in db.session.scalars(select(Game).where(
            Game.unit_id.in_(unit_ids), Game.state.in_(COUNTING), Game.starts_at <= at,
            or_(Game.ends_at.is_(None), Game.ends_at > at)).order_by(Game.id)):
        games[game.unit_id] = game  # the latest, as counting_game chooses
    ids = [g.id for g in games.values()]
    covered: dict[int, dict[int, int]] = {i: {} for i in ids}
    for game_id, workgroup_id, squares in db.session.execute(
            select(Square.game_id, Square.workgroup_id, func.count()).where(Square.game_id.in_(ids), Square.cards > 0)
            .group_by(Square.game_id, Square.workgroup_id)):
        covered[game_id][workgroup_id] = squares
    won: dict[int, set[int]] = {i: set() for i in ids}
    for game_id, workgroup_id in db.session.execute(select(Win.game_id, Win.workgroup_id).where(
            Win.game_id.in_(ids), Win.revoked_at.is_(None))):
        won[game_id].add(workgroup_id)
    return {unit_id: (game, covered[game.id], won[game.id]) for unit_id, game in games.items()}


def announced_wins(unit_ids, start: datetime | None = None, end: datetime | None = None) -> list[tuple[int, Win]]:
    """The wins rules.announced announces in these units' games, each with its rank (1 the winner), in the order they
    were declared; with `start`/`end`, those declared in that time only (a month's newsletter). Two queries."""
    games = select(Win.game_id).join(Game, Game.id == Win.game_id).where(Game.unit_id.in_(unit_ids))
    if start is not None:
        games = games.where(Win.declared_at >= start, Win.declared_at < end)
    wins = db.session.scalars(select(Win).where(Win.game_id.in_(games)).order_by(Win.game_id, Win.place, Win.id)
                              .options(joinedload(Win.workgroup), joinedload(Win.game))).all()
    found = [(place.rank, win) for _game, of_game in groupby(wins, key=lambda w: w.game_id)
             for place in rules.announced(list(of_game)).ranked for win in place.wins
             if start is None or start <= win.declared_at < end]
    return sorted(found, key=lambda found: (found[1].declared_at, found[1].id))


def wins_to_confirm(unit_ids) -> dict[int, list[Win]]:
    """For each unit, the wins being checked (in any of its games), in the order they were declared."""
    found: dict[int, list[Win]] = {}
    for unit_id, win in db.session.execute(select(Game.unit_id, Win).join(Game, Game.id == Win.game_id).where(
            Game.unit_id.in_(unit_ids), Win.confirmed_at.is_(None), Win.revoked_at.is_(None))
            .order_by(Win.game_id, Win.place, Win.id).options(joinedload(Win.workgroup))):
        found.setdefault(unit_id, []).append(win)
    return found


def square_cards(game: Game, workgroup_id: int, dimension: str) -> list[Card]:
    return list(db.session.scalars(select(Card).join(Credit, Credit.card_id == Card.id).where(
        Credit.game_id == game.id, Credit.workgroup_id == workgroup_id, Credit.dimension == dimension)
        .order_by(Credit.seq)))


# --- running games --------------------------------------------------------------------------

def unit_games(unit: Unit) -> list[Game]:
    return list(db.session.scalars(select(Game).where(Game.unit_id == unit.id).order_by(Game.id.desc())))


def unit_game(unit: Unit, game_id: int) -> Game | None:
    game = db.session.get(Game, game_id)
    return game if game is not None and game.unit_id == unit.id else None


def create_game(unit: Unit, *, title: str, workgroup_ids: list[int], prize: str = "", ends_at=None,
                start_now: bool = False, actor=None) -> Game:
    """A new game for a unit; it starts now if asked (and no other game is running there)."""
    if len(set(workgroup_ids)) < 2:
        raise GameError(N_("Choose at least two workgroups to play."))
    if ends_at is not None and ends_at <= utcnow():
        raise GameEndError(N_("The end must be later than now: check the date and the year."))
    with write_transaction() as session:
        _take_turn(session, unit.id)
        if start_now and counting_game(session, unit.id, utcnow()):
            raise GameError(N_("Another game is running in this unit: close it first."))
        game = Game(unit_id=unit.id, title=title.strip(), prize=prize.strip(), ends_at=ends_at)
        session.add(game)
        session.flush()
        session.add_all(GameWorkgroup(game_id=game.id, workgroup_id=w) for w in sorted(set(workgroup_ids)))
        if start_now:
            game.state, game.starts_at = GameState.RUNNING, utcnow()
        record("game_changed", actor=actor, unit_id=unit.id, subject=f"game {game.id}",
               detail="created and started" if start_now else "created")
        live.bump(session, unit.id)
    return game


def start_game(game: Game, actor=None) -> None:
    def check(session, game: Game) -> None:
        if game.state is not GameState.UPCOMING:
            raise GameError(N_("Only an upcoming game can start."))
        if counting_game(session, game.unit_id, utcnow()):
            raise GameError(N_("Another game is running in this unit: close it first."))

    _set_state(game, GameState.RUNNING, actor, "started", check, starts_at=utcnow())


def close_game(game: Game, actor=None) -> None:
    def check(_session, game: Game) -> None:
        if game.state is GameState.CLOSED:
            raise GameError(N_("This game is already closed."))

    _set_state(game, GameState.CLOSED, actor, "closed", check, ends_at=game.ends_at or utcnow())


def _take_turn(session, unit_id: int) -> None:
    """Wait for the unit's turn before changing its games, behind the cards that asked first (count_card): on
    PostgreSQL in their first-come first-served queue; on SQLite the write lock is held already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_turn(unit_id))


def _turn(unit_id):
    """PostgreSQL: wait for the unit's turn (held until the transaction ends), first come first served."""
    return select(func.pg_advisory_xact_lock(COUNTING_QUEUE, unit_id))


def _set_state(game: Game, state: GameState, actor, detail: str, check, **values) -> None:
    """Change a game's state once `check(session, game)`, given the game as it is now, allows it (it raises
    GameError otherwise)."""
    with write_transaction() as session:
        _take_turn(session, game.unit_id)
        game = session.get(Game, game.id, with_for_update=True, populate_existing=True)
        check(session, game)
        game.state = state
        for name, value in values.items():
            setattr(game, name, value)
        record("game_changed", actor=actor, unit_id=game.unit_id, subject=f"game {game.id}", detail=detail)
        live.bump(session, game.unit_id)


def confirm_win(win: Win, actor) -> None:
    """A coordinator confirms a win being checked (the cards behind it are genuine): it is announced, with every win
    its card completed at the same place. Its place stays the one its counting gave it (rules.announced)."""
    with write_transaction() as session:
        _take_turn(session, win.game.unit_id)
        game = session.get(Game, win.game_id, with_for_update=True, populate_existing=True)
        win = session.get(Win, win.id, populate_existing=True)
        if win is None or win.revoked_at is not None:
            raise GameError(N_("This win was revoked or dropped: there is nothing to confirm."))
        if win.confirmed_at is not None:
            return
        now = utcnow()
        for joint in session.scalars(select(Win).where(Win.game_id == game.id, Win.place == win.place,
                                                       Win.confirmed_at.is_(None), Win.revoked_at.is_(None))):
            joint.confirmed_at, joint.confirmed_by_id = now, actor.id
            record("win_confirmed", actor=actor, unit_id=game.unit_id, subject=f"game {game.id}",
                   detail=f"workgroup {joint.workgroup_id}, place {joint.place}, card {joint.card_id}")
        session.flush()
        _settle_state(session, game.id)
        live.bump(session, game.unit_id)


def revoke_win(win: Win, reason: str, actor) -> None:
    """Take back a declared win, or decline one being checked (an error, a dispute, a card not genuine): recorded with
    who and why; a later finisher keeps its place and may become the first announced."""
    with write_transaction() as session:
        win = session.merge(win)
        _take_turn(session, win.game.unit_id)
        session.get(Game, win.game_id, with_for_update=True, populate_existing=True)
        win.revoked_at, win.revoked_by_id, win.revoke_reason = utcnow(), actor.id, reason.strip()[:300]
        record("win_revoked", actor=actor, unit_id=win.game.unit_id, subject=f"game {win.game_id}",
               detail=f"workgroup {win.workgroup_id}")
        session.flush()
        _settle_state(session, win.game_id)
        live.bump(session, win.game.unit_id)


def focus_of(unit: Unit) -> list[str]:
    """The unit's focus dimensions, in the card's order."""
    chosen = set(db.session.scalars(select(FocusDimension.dimension).where(FocusDimension.unit_id == unit.id)))
    return [d for d in DIMENSION_KEYS if d in chosen]


def set_focus(unit: Unit, dimensions: list[str], actor) -> None:
    """Mark the squares the unit works on most (for example its survey's weakest dimensions)."""
    chosen = [d for d in DIMENSION_KEYS if d in set(dimensions)]
    with write_transaction() as session:
        session.execute(delete(FocusDimension).where(FocusDimension.unit_id == unit.id))
        session.add_all(FocusDimension(unit_id=unit.id, dimension=d) for d in chosen)
        record("game_changed", actor=actor, unit_id=unit.id, subject=f"unit {unit.id}",
               detail="focus: " + (", ".join(chosen) or "none"))
        live.bump(session, unit.id)


# --- wall displays --------------------------------------------------------------------------

def create_display(unit: Unit, name: str, actor=None) -> tuple[Display, str]:
    """A display link's record and its secret (shown once, then only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    with write_transaction() as session:
        display = Display(unit_id=unit.id, name=" ".join(name.split()) or "Wall display", token_hash=token_hash(token))
        session.add(display)
        session.flush()
        record("display_created", actor=actor, unit_id=unit.id, subject=f"display {display.id}")
    return display, token


def display_for(token: str) -> Display | None:
    display = db.session.scalar(select(Display).where(Display.token_hash == token_hash(token)))
    return display if display is not None and display.revoked_at is None else None


def displayed_unit(token: str) -> int | None:
    """The unit a display link shows (None: no such link, or turned off), from the links known at the last change
    of any board (revoking one bumps its unit's board); a link made since then is looked up."""
    hashed = token_hash(token)
    known = pages.once("displays", None, lambda: dict(db.session.execute(select(Display.token_hash, Display.unit_id)
                                                                         .where(Display.revoked_at.is_(None))).all()))
    if hashed in known:
        return known[hashed]
    display = display_for(token)
    return display.unit_id if display is not None else None


def unit_displays(unit: Unit) -> list[Display]:
    return list(db.session.scalars(select(Display).where(Display.unit_id == unit.id).order_by(
        Display.revoked_at.is_not(None), Display.name)))


def revoke_display(display: Display, actor) -> None:
    with write_transaction() as session:
        display = session.merge(display)
        display.revoked_at = utcnow()
        record("display_revoked", actor=actor, unit_id=display.unit_id, subject=f"display {display.id}")
        live.bump(session, display.unit_id)  # its wall re-checks and goes dark


# --- who recognises whom --------------------------------------------------------------------

def recognition(unit: Unit, game: Game | None) -> tuple[list[Workgroup], dict[tuple[int, int], int]]:
    """Counted cards from each writer's workgroup to each recognised workgroup (in the game, or ever)."""
    query = (select(Card.nominator_workgroup_id, Nominee.workgroup_id, func.count(func.distinct(Card.id)))
             .join(Nominee, Nominee.card_id == Card.id)
             .where(Card.unit_id == unit.id, Card.status == CardStatus.PUBLISHED,
                    Nominee.workgroup_id != Card.nominator_workgroup_id)
             .group_by(Card.nominator_workgroup_id, Nominee.workgroup_id))
    if game is not None and game.starts_at is not None:
        query = query.where(Card.published_at >= game.starts_at)
        if game.ends_at is not None:
            query = query.where(Card.published_at < game.ends_at)
    counts = {(a, b): n for a, b, n in db.session.execute(query)}
    ids = {w for pair in counts for w in pair} | {w.id for w in (game.workgroups if game else [])}
    workgroups = sorted((db.session.get(Workgroup, i) for i in ids), key=lambda w: w.name)
    return workgroups, counts
