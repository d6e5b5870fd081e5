"""Pure permission rules of rates and the time-billing settings.

Bill rates are what clients pay: owners and managers see and set them (as on the client
pages). Costs are what the agency pays its people: owners see and set everyone's, managers
too when the agency's setting says so (`Actor.sees_costs`), and each person sees their own.
The time-billing settings are the owner's.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import MANAGERS, Actor

COST_VIEWERS = ("owner", "manager", "va")


def can_see_bill_rates(actor: Actor) -> bool:
    return actor.role in MANAGERS


def can_manage_bill_rates(actor: Actor) -> bool:
    return actor.role in MANAGERS


def can_manage_time_billing(actor: Actor) -> bool:
    """The settings: rounding, who sees costs, billing QA-approved work only."""
    return actor.role == "owner"


def can_see_costs_of(actor: Actor, member: Any) -> bool:
    """A person's cost rates: their own, or everyone's for those who see costs."""
    return actor.sees_costs or (actor.membership is not None and member.id == actor.membership.id)


def can_manage_costs(actor: Actor) -> bool:
    """Set and remove cost rates: who sees everyone's costs (never one's own alone)."""
    return actor.sees_costs


def can_price_entries(actor: Actor) -> bool:
    """See what an entry bills at (its bill rate): owners and managers."""
    return can_see_bill_rates(actor)
