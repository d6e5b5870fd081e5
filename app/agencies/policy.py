"""Who may do what with an agency's settings."""

from __future__ import annotations

from app.core.permissions import Actor


def can_edit_agency_settings(actor: Actor) -> bool:
    return actor.role == "owner"
