"""Pure permission rules of the reports.

The time report follows the time pages: owners and managers see everyone's time, a VA their
own only; QA reviewers and client contacts see none of it. How long work took against its
estimate (per VA, per SOP) compares people, so it is for owners and managers only.
"""

from __future__ import annotations

from app.core.permissions import Actor
from app.time.policy import TRACKERS


def can_see_time_report(actor: Actor) -> bool:
    return actor.role in TRACKERS


def sees_everyones_time(actor: Actor) -> bool:
    """Everyone's entries (and the person filter and grouping); otherwise one's own."""
    return actor.is_manager


def can_see_estimates(actor: Actor) -> bool:
    """The estimate accuracy report and the actual time per SOP version."""
    return actor.is_manager
