"""Enrolled unit tablets: a one-time link opened on the tablet leaves a long-lived device cookie."""

import secrets
from datetime import timedelta

from sqlalchemy import select

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..extensions import db
from ..tokens import token_hash
from .models import Tablet, Unit
from .rules import enrolment_link_state

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


def link_tablet(link: str) -> Tablet | None:
    """The tablet an enrolment link was made for, whatever became of the link (rules.enrolment_link_state)."""
    return db.session.scalar(select(Tablet).where(Tablet.link_hash == token_hash(link)))


def link_state(tablet: Tablet) -> str:
    return enrolment_link_state(tablet.link_expires_at, tablet.enrolled_at, tablet.revoked_at, utcnow())


def waiting_tablet(link: str) -> Tablet | None:
    """The tablet an enrolment link is for, while the link is unused, unexpired and not revoked."""
    tablet = link_tablet(link)
    return tablet if tablet is not None and link_state(tablet) == "waiting" else None


def enrol(tablet: Tablet) -> str:
    """Use up the link and return the device secret that goes in the tablet's cookie. The link's hash stays, so a
    used link opened again is known as used (and leads an enrolled tablet to its card)."""
    device = secrets.token_urlsafe(32)
    with write_transaction() as session:
        tablet = session.merge(tablet)
        tablet.token_hash, tablet.enrolled_at = token_hash(device), utcnow()
        record("tablet_enrolled", unit_id=tablet.unit_id, subject=f"tablet {tablet.id}")
    return device


def revoke(tablet: Tablet, actor) -> None:
    with write_transaction() as session:
        tablet = session.merge(tablet)
        tablet.revoked_at = utcnow()
        record("tablet_revoked", actor=actor, unit_id=tablet.unit_id, subject=f"tablet {tablet.id}")


def enrolled_tablet(unit: Unit | None, device: str | None) -> Tablet | None:
    """The tablet whose cookie `device` is, while not revoked (and enrolled to `unit`, when given)."""
    if not device:
        return None
    query = select(Tablet).where(Tablet.token_hash == token_hash(device), Tablet.revoked_at.is_(None))
    return db.session.scalar(query if unit is None else query.where(Tablet.unit_id == unit.id))


def kiosk_allowed(unit: Unit, device: str | None) -> bool:
    """Whether a device may write cards for a unit: any device, unless the unit requires enrolled tablets."""
    return not unit.require_enrolled_tablets or enrolled_tablet(unit, device) is not None
