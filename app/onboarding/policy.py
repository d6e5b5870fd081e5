"""Who may see and act on a client's onboarding (pure functions of the actor)."""

from __future__ import annotations

from app.core.permissions import Actor

MANAGERS = ("owner", "manager")
READERS = ("owner", "manager", "va")  # a VA sees only assigned clients (get_client_or_404)


def can_see_onboarding(actor: Actor) -> bool:
    return actor.role in READERS


def can_regenerate_packet(actor: Actor) -> bool:
    return actor.role in MANAGERS
