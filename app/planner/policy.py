"""Pure permission rules of the week planner.

A VA plans their own week. Owners and managers see and change anyone's planner (their own
too: they may have work assigned). QA reviewers and client contacts have no planner.
"""

from __future__ import annotations

from app.core.permissions import Actor

PLANNERS = ("owner", "manager", "va")


def can_use_planner(actor: Actor | None) -> bool:
    return actor is not None and actor.role in PLANNERS


def can_plan_for(actor: Actor, membership_id: int) -> bool:
    """Whose blocks the actor sees and changes: their own; anyone's for owners and managers."""
    if actor.role not in PLANNERS:
        return False
    return actor.is_manager or actor.membership.id == membership_id
