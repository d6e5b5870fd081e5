"""Who may do what with digests (pure functions of the actor)."""

from __future__ import annotations

from app.core.permissions import Actor

MANAGERS = ("owner", "manager")
READERS = ("owner", "manager", "va")  # a VA sees only assigned clients (get_client_or_404)


def can_pause_digest(actor: Actor) -> bool:
    return actor.role in MANAGERS


def can_preview_digest(actor: Actor) -> bool:
    return actor.role in READERS


def can_change_digest_schedule(actor: Actor) -> bool:
    return actor.role == "owner"
