"""Pure permission rules of capacity.

Every staff member (owner, manager, VA, QA reviewer) has working hours and time off: they
edit their own hours and request their own time off. Owners and managers edit anyone's,
enter time off for anyone (approved at once), approve, decline and cancel any request, and
set clients' business hours and meeting slots. Client contacts see none of it.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor

PEOPLE = ("owner", "manager", "va", "qa")


def can_use_capacity(actor: Actor | None) -> bool:
    return actor is not None and actor.role in PEOPLE


def can_see_member(actor: Actor, membership_id: int) -> bool:
    """A member's hours, capacity, holidays and time off: one's own, or anyone's for owners
    and managers."""
    if actor.is_manager:
        return True
    return actor.role in PEOPLE and actor.membership.id == membership_id


can_edit_hours = can_see_member


def can_decide(actor: Actor) -> bool:
    return actor.is_manager


def can_cancel(actor: Actor, time_off: Any) -> bool:
    """Owners and managers cancel any request that is not over; a person their own while it
    waits for a decision."""
    if time_off.state in ("cancelled", "declined"):
        return False
    if actor.is_manager:
        return True
    return time_off.membership_id == actor.membership.id and time_off.state == "pending"


def can_manage_clients(actor: Actor) -> bool:
    """Client business hours and meeting slots."""
    return actor.is_manager
