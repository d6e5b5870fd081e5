"""Who may manage outgoing webhooks (pure rules): the agency's owners only, because an
endpoint receives data about every client and its secret proves messages came from us."""

from __future__ import annotations

from app.core.permissions import Actor


def can_manage_webhooks(actor: Actor) -> bool:
    """Register, edit, rotate, disable, enable, read the delivery log, send again."""
    return actor.role == "owner"
