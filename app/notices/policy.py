"""Who may set notification preferences: each active member their own (pure rules)."""

from __future__ import annotations

from app.core.permissions import Actor


def can_edit_own_preferences(actor: Actor) -> bool:
    """Every signed-in member of the agency chooses how they hear about things."""
    return actor.membership is not None
