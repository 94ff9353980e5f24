"""The organization, its units, workgroups (professions) and roster of staff."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

DEFAULT_PROGRAM_NAME = "RC Bingo"


class Organization(db.Model):
    """The one organization this installation serves, and its organization-wide settings."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name staff see on cards and boards ("ICU Connections"): some find "RC" jargon.
    program_name: Mapped[str] = mapped_column(String(100), default=DEFAULT_PROGRAM_NAME)


class Unit(db.Model):
    """A hospital unit with its own kiosk tablets, board and newsletter."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Unit {self.key}>"


class Workgroup(db.Model):
    """A profession (nurses, pharmacists, chaplains…), shared by all units."""

    __tablename__ = "workgroup"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Workgroup {self.key}>"


class Person(db.Model):
    """A member of staff on a unit's roster. Staff names are not patient information."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workgroup: Mapped[Workgroup] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Person {self.id}>"
