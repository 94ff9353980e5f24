"""Enrolled unit tablets: a one-time link opened on the tablet leaves a long-lived device cookie."""

import secrets
from datetime import timedelta

from sqlalchemy import select

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..extensions import db
from ..tokens import token_hash
from .models import Tablet, Unit

COOKIE = "rcbingo_tablet"
COOKIE_DAYS = 5 * 365
LINK_HOURS = 24


def unit_tablets(unit: Unit) -> list[Tablet]:
    return list(db.session.scalars(select(Tablet).where(Tablet.unit_id == unit.id).order_by(
        Tablet.revoked_at.is_not(None), Tablet.name)))


def create_enrolment(unit: Unit, name: str, actor) -> tuple[Tablet, str]:
    """A tablet waiting to be enrolled, and the secret of its one-time link (valid for a day)."""
    link = secrets.token_urlsafe(24)
    with write_transaction() as session:
        tablet = Tablet(unit_id=unit.id, name=" ".join(name.split()), link_hash=token_hash(link),
                        link_expires_at=utcnow() + timedelta(hours=LINK_HOURS))
        session.add(tablet)
    return tablet, link


def waiting_tablet(link: str) -> Tablet | None:
    """The tablet an enrolment link is for, while the link is unused, unexpired and not revoked."""
    tablet = db.session.scalar(select(Tablet).where(Tablet.link_hash == token_hash(link)))
    if tablet is None or tablet.revoked_at is not None or tablet.link_expires_at < utcnow():
        return None
    return tablet


def enrol(tablet: Tablet) -> str:
    """Use up the link and return the device secret that goes in the tablet's cookie."""
    device = secrets.token_urlsafe(32)
    with write_transaction() as session:
        tablet = session.merge(tablet)
        tablet.token_hash, tablet.link_hash, tablet.enrolled_at = token_hash(device), None, utcnow()
        record("tablet_enrolled", unit_id=tablet.unit_id, subject=f"tablet {tablet.id}")
    return device


def revoke(tablet: Tablet, actor) -> None:
    with write_transaction() as session:
        tablet = session.merge(tablet)
        tablet.revoked_at, tablet.link_hash = utcnow(), None
        record("tablet_revoked", actor=actor, unit_id=tablet.unit_id, subject=f"tablet {tablet.id}")


def enrolled_tablet(unit: Unit, device: str | None) -> Tablet | None:
    if not device:
        return None
    return db.session.scalar(select(Tablet).where(
        Tablet.token_hash == token_hash(device), Tablet.unit_id == unit.id, Tablet.revoked_at.is_(None)))


def kiosk_allowed(unit: Unit, device: str | None) -> bool:
    """Whether a device may write cards for a unit: any device, unless the unit requires enrolled tablets."""
    return not unit.require_enrolled_tablets or enrolled_tablet(unit, device) is not None
