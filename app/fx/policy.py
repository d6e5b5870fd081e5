"""Who may see and change the agency's exchange rates: owners enter them, managers read them
(they see the receivables and reports that use them)."""

from __future__ import annotations

from app.core.permissions import MANAGERS, Actor


def can_see_exchange_rates(actor: Actor) -> bool:
    return actor.role in MANAGERS


def can_manage_exchange_rates(actor: Actor) -> bool:
    return actor.role == "owner"
