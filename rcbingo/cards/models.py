"""The nomination card: who recognised whom, for which dimensions, and the story."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Account, Person, Unit, Workgroup
from ..rc import DIMENSION_KEYS, N_


class CardStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {CardStatus.SUBMITTED: N_("waiting for review"), CardStatus.PUBLISHED: N_("published"),
                 CardStatus.REJECTED: N_("rejected"), CardStatus.WITHDRAWN: N_("withdrawn")}


class Card(db.Model):
    """One nomination, written on a unit's kiosk (or transcribed from paper)."""

    __tablename__ = "card"
    __table_args__ = (Index("ix_card_unit_status", "unit_id", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Chosen by the form when it is shown: a double tap or a retry sends the same id again.
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # where it was written
    nominator_name: Mapped[str] = mapped_column(String(120))
    nominator_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    nominator_workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"))
    nominator_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    practice: Mapped[str] = mapped_column(String(200), default="")
    story: Mapped[str] = mapped_column(Text)
    # The practice line and story as the stories search reads them (cards.service.searchable): case and accents set
    # aside as the name search does, the same on every database.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    consent_publish: Mapped[bool]
    show_nominator_name: Mapped[bool]
    status: Mapped[CardStatus] = mapped_column(
        Enum(CardStatus, name="card_status", values_callable=lambda e: [m.value for m in e]),
        default=CardStatus.SUBMITTED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The patient-information screen found something: never published without a coordinator's review.
    flagged: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    decision_reason: Mapped[str] = mapped_column(String(300), default="")
    transcribed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # A card sent through the API: the hash of the request's body, so its Idempotency-Key sent again with another
    # body is refused (api.service.body_hash).
    request_hash: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    nominator_workgroup: Mapped[Workgroup] = relationship(foreign_keys=[nominator_workgroup_id])
    nominator_unit: Mapped[Unit] = relationship(foreign_keys=[nominator_unit_id])
    nominator_person: Mapped[Person | None] = relationship(foreign_keys=[nominator_person_id])
    # Loaded with their cards, in one query for a whole list of cards: every list of cards shows them.
    nominees: Mapped[list["Nominee"]] = relationship(
        back_populates="card", order_by="Nominee.position", cascade="all, delete-orphan", lazy="selectin")
    dimensions: Mapped[list["CardDimension"]] = relationship(
        back_populates="card", cascade="all, delete-orphan", lazy="selectin")
    revisions: Mapped[list["CardRevision"]] = relationship(
        back_populates="card", order_by="CardRevision.id", cascade="all, delete-orphan")
    reviewed_by: Mapped[Account | None] = relationship(foreign_keys=[reviewed_by_id])
    transcribed_by: Mapped[Account | None] = relationship(foreign_keys=[transcribed_by_id])

    @property
    def dimension_keys(self) -> set[str]:
        return {d.dimension for d in self.dimensions}

    @property
    def dimensions_in_order(self) -> list[str]:
        """The ticked dimensions in the card's own order (Relationships, then Communication)."""
        keys = self.dimension_keys
        return [k for k in DIMENSION_KEYS if k in keys]

    def __repr__(self) -> str:
        return f"<Card {self.id} {self.status}>"


class Nominee(db.Model):
    """A person the card recognises, as the writer named them (from the roster or typed)."""

    __tablename__ = "nominee"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))

    card: Mapped[Card] = relationship(back_populates="nominees")
    workgroup: Mapped[Workgroup] = relationship()
    unit: Mapped[Unit] = relationship()
    person: Mapped[Person | None] = relationship()


class CardDimension(db.Model):
    """A dimension ticked on a card."""

    __tablename__ = "card_dimension"

    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)

    card: Mapped[Card] = relationship(back_populates="dimensions")


class CardRevision(db.Model):
    """The text of a card before a coordinator edited it: the original is never lost."""

    __tablename__ = "card_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    practice: Mapped[str] = mapped_column(String(200))
    story: Mapped[str] = mapped_column(Text)

    card: Mapped[Card] = relationship(back_populates="revisions")
    by: Mapped[Account | None] = relationship()
