"""Newsletter issues: a month's stories as an editor arranged them, frozen once published."""

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..cards.models import Card
from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Account, Unit


class IssueState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Issue(db.Model):
    """One month's newsletter for a unit, or for the whole organization (no unit)."""

    __tablename__ = "issue"
    __table_args__ = (UniqueConstraint("unit_id", "month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    month: Mapped[date]  # the first day of the month
    version: Mapped[int] = mapped_column(default=1)  # a correction of a published issue is the next version
    state: Mapped[IssueState] = mapped_column(
        Enum(IssueState, name="issue_state", values_callable=lambda e: [m.value for m in e]),
        default=IssueState.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitized when shown
    grouping: Mapped[str] = mapped_column(String(20), default="dimension")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # The published issue exactly as readers got it: later edits to cards or the roster cannot change it.
    frozen_html: Mapped[str | None] = mapped_column(Text)
    # An editor's "I checked: not about a patient" for a title and introduction the screen flags: the digest of the
    # texts as checked (service.digest), so that any later change is screened again.
    checked_digest: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit | None] = relationship()
    published_by: Mapped[Account | None] = relationship()
    stories: Mapped[list["IssueStory"]] = relationship(
        back_populates="issue", order_by="IssueStory.position", cascade="all, delete-orphan")


class IssueStory(db.Model):
    """A card's story in an issue, in the editor's order, possibly lightly edited (the card keeps its original)."""

    __tablename__ = "issue_story"
    __table_args__ = (UniqueConstraint("issue_id", "card_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"))
    position: Mapped[int]
    excluded: Mapped[bool] = mapped_column(default=False)
    practice: Mapped[str] = mapped_column(String(200), default="")
    story: Mapped[str] = mapped_column(Text)
    # "I checked" for a practice line and story the screen flags, as the digest of the texts checked (service.digest):
    # an editor's tick, or the coordinator's when the card was approved flagged and the text is still the card's.
    checked_digest: Mapped[str | None] = mapped_column(String(64))

    issue: Mapped[Issue] = relationship(back_populates="stories")
    card: Mapped[Card] = relationship(lazy="joined")
