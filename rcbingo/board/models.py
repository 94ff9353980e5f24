"""Games, the credits that cover their squares, wins, wall displays, and the version that tells walls to redraw."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Account, Unit, Workgroup
from ..rc import N_


class GameState(enum.StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    WON = "won"        # a workgroup has won; cards still count, for the runners-up
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {GameState.UPCOMING: N_("upcoming"), GameState.RUNNING: N_("running"),
                GameState.WON: N_("won, still running"), GameState.CLOSED: N_("closed")}


class Game(db.Model):
    """One round of bingo in a unit: participating workgroups against the seven dimensions."""

    __tablename__ = "game"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    prize: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[GameState] = mapped_column(
        Enum(GameState, name="game_state", values_callable=lambda e: [m.value for m in e]),
        default=GameState.UPCOMING)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Each credit takes the next number under the game's row lock: the order in which credits counted.
    credit_seq: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship()
    workgroups: Mapped[list[Workgroup]] = relationship(secondary="game_workgroup", order_by="Workgroup.name")
    wins: Mapped[list["Win"]] = relationship(back_populates="game", order_by="Win.id")


class GameWorkgroup(db.Model):
    __tablename__ = "game_workgroup"

    game_id: Mapped[int] = mapped_column(ForeignKey("game.id", ondelete="CASCADE"), primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"), primary_key=True)


class Credit(db.Model):
    """A square of a game covered by a card: written when the card is published, removed if it stops counting."""

    __tablename__ = "credit"
    __table_args__ = (UniqueConstraint("game_id", "card_id", "workgroup_id", "dimension"),
                      Index("ix_credit_square", "game_id", "workgroup_id", "dimension"))

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("game.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), index=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"))
    dimension: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int]
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Square(db.Model):
    """How many counted cards cover one square of a game: kept up to date with the credits, so a board is
    read from a few dozen rows however many cards a game holds."""

    __tablename__ = "square"

    game_id: Mapped[int] = mapped_column(ForeignKey("game.id", ondelete="CASCADE"), primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    cards: Mapped[int] = mapped_column(default=0)


class Win(db.Model):
    """A workgroup that covered all seven squares: declared once, kept through later edits unless revoked.

    Its place is fixed when it is declared, in the order credits counted. Where the unit confirms wins (its
    `confirm_wins`), a win waits for a coordinator's confirmation (`confirmed_at`) before any board announces it."""

    __tablename__ = "win"
    __table_args__ = (UniqueConstraint("game_id", "workgroup_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("game.id", ondelete="CASCADE"), index=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("card.id", ondelete="SET NULL"))
    place: Mapped[int]  # 1 for the first; a card that completes two workgroups at once gives both one place
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(String(300), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    game: Mapped[Game] = relationship(back_populates="wins")
    workgroup: Mapped[Workgroup] = relationship()
    revoked_by: Mapped[Account | None] = relationship(foreign_keys=[revoked_by_id])
    confirmed_by: Mapped[Account | None] = relationship(foreign_keys=[confirmed_by_id])

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def pending(self) -> bool:
        """Being checked: declared, neither confirmed nor revoked yet."""
        return self.confirmed_at is None and self.revoked_at is None


class Display(db.Model):
    """A wall screen's link: opens the unit's live board without anyone signing in."""

    __tablename__ = "display"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()


class BoardVersion(db.Model):
    """Bumped in every transaction that changes what a unit's walls show; walls redraw when it moves."""

    __tablename__ = "board_version"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class FocusDimension(db.Model):
    """A dimension a unit chose to work on (its survey's weakest): marked on its board, wall and newsletter."""

    __tablename__ = "focus_dimension"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
