"""The organization, its units, workgroups (professions) and roster of staff."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..rc import N_

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
    # "Review first": a coordinator approves each card before it counts. Otherwise cards are
    # published at once, except those the patient-information screen flags.
    review_first: Mapped[bool] = mapped_column(default=True)
    require_enrolled_tablets: Mapped[bool] = mapped_column(default=False)
    # A card that completes a board makes a win that waits for a coordinator's confirmation before it is announced
    # (one anonymous card never decides a game by itself).
    confirm_wins: Mapped[bool] = mapped_column(default=True, server_default=true())
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


class RoleName(enum.StrEnum):
    COORDINATOR = N_("coordinator")
    EDITOR = N_("editor")


class Account(UserMixin, db.Model):
    """A person who signs in: coordinators and editors of units, and administrators."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list["Role"]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin")

    # The sign-in this request came with (see org.accounts.load_account); Flask-Login stores its token.
    sign_in = None  # a SignIn, set per request

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def get_id(self) -> str:
        return self.sign_in.token if self.sign_in is not None else ""

    def role_set(self) -> set[tuple[int, str]]:
        return {(r.unit_id, r.role.value) for r in self.roles}

    def __repr__(self) -> str:
        return f"<Account {self.id}>"


class Role(db.Model):
    """What an account may do in one unit."""

    __tablename__ = "role"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    role: Mapped[RoleName] = mapped_column(
        Enum(RoleName, name="role_name", values_callable=lambda e: [m.value for m in e]), primary_key=True)

    account: Mapped[Account] = relationship(back_populates="roles")
    unit: Mapped[Unit] = relationship(lazy="joined")


class SignIn(db.Model):
    """One signed-in session, kept on the server so it can end: on sign-out, idleness, age or a disabled account."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
    token = ""  # the secret itself, known only on the request that carries it


class Tablet(db.Model):
    """A shared unit tablet enrolled to write cards for its unit."""

    __tablename__ = "tablet"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # set once the link is opened
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)   # the one-time enrolment link
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()


class ApiToken(db.Model):
    """A token for an integration: it acts only on its units, and only in the ways it was given."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    can_write: Mapped[bool] = mapped_column(default=False)   # create cards
    can_export: Mapped[bool] = mapped_column(default=False)  # CSV export of every card, as coordinators see them
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    units: Mapped[list[Unit]] = relationship(secondary="api_token_unit", lazy="selectin", order_by="Unit.name")


class ApiTokenUnit(db.Model):
    __tablename__ = "api_token_unit"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
