"""The audit trail: who did what, when. Never story text, never patient information."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")  # the email at the time, kept if the account goes
    action: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    subject: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
