"""Writing and reading the audit trail."""

from sqlalchemy import select

from ..extensions import db
from ..rc import N_
from .models import AuditEvent

ACTIONS = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Failed sign-in"),
    "sign_out": N_("Signed out"),
    "password_changed": N_("Changed password"),
    "account_created": N_("Created account"),
    "account_disabled": N_("Disabled account"),
    "account_enabled": N_("Re-enabled account"),
    "roles_changed": N_("Changed roles"),
    "card_approved": N_("Approved card"),
    "card_edited": N_("Edited card"),
    "card_rejected": N_("Rejected card"),
    "card_withdrawn": N_("Withdrew card"),
    "card_transcribed": N_("Transcribed paper card"),
    "unit_settings": N_("Changed unit settings"),
    "tablet_enrolled": N_("Enrolled tablet"),
    "tablet_revoked": N_("Revoked tablet"),
    "roster_changed": N_("Changed roster"),
    "game_changed": N_("Changed game"),
    "win_revoked": N_("Revoked win"),
    "win_confirmed": N_("Confirmed win"),
    "win_dropped": N_("Dropped a win being checked"),
    "display_created": N_("Created display link"),
    "display_revoked": N_("Revoked display link"),
    "newsletter_changed": N_("Changed newsletter"),
    "newsletter_story_edited": N_("Edited newsletter story"),
    "newsletter_published": N_("Published newsletter"),
    "newsletter_text_checked": N_("Checked flagged newsletter text"),
    "survey_changed": N_("Changed survey"),
    "api_token_changed": N_("Changed integration token"),
    "workgroup_changed": N_("Changed workgroup"),
    "unit_changed": N_("Changed unit"),
}


def record(action: str, *, actor=None, unit_id: int | None = None, subject: str = "", detail: str = "") -> None:
    """Add an event to the current transaction. `detail` must never hold story text."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.session.add(AuditEvent(
        action=action, actor_id=getattr(actor, "id", None), actor=getattr(actor, "email", "") or "",
        unit_id=unit_id, subject=subject[:120], detail=detail[:500]))


def recent(limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))
