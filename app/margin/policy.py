"""Who sees margin: those who see everyone's costs (owners; managers when the agency lets
them, `Agency.managers_see_costs`). VAs, QA and client contacts never do."""

from __future__ import annotations

from app.core.permissions import Actor


def can_see_margin(actor: Actor) -> bool:
    return actor.sees_costs
