"""Pure permission rules of payouts.

Statements are costs: owners see and handle every statement; managers see them, add
adjustments, review and generate when the agency lets managers see costs
(`Actor.sees_costs`); only an owner marks a statement paid and changes the payout period.
A person sees their own statements once reviewed (a draft is still being put together)
and downloads them; QA reviewers and client contacts see none.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor

VISIBLE_TO_PAYEE = ("reviewed", "paid")
PAYEES = ("owner", "manager", "va")


def can_see_all_payouts(actor: Actor) -> bool:
    return actor.sees_costs


def can_see_own_payouts(actor: Actor) -> bool:
    return actor.role in PAYEES


def can_see_statement(actor: Actor, statement: Any) -> bool:
    if actor.sees_costs:
        return True
    return (
        actor.membership is not None
        and statement.membership_id == actor.membership.id
        and statement.state in VISIBLE_TO_PAYEE
    )


def can_prepare(actor: Actor) -> bool:
    """Generate statements, add adjustments, review, accept unpriced time."""
    return actor.sees_costs


def can_mark_paid(actor: Actor) -> bool:
    return actor.role == "owner"


def can_manage_settings(actor: Actor) -> bool:
    return actor.role == "owner"
