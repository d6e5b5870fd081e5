"""Pure permission rules of timesheets.

A VA submits their own weeks; owners and managers submit anyone's, and approve, reject and
reopen. QA reviewers and client contacts have no timesheets and see none.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor

TRACKERS = ("owner", "manager", "va")


def can_see_timesheets(actor: Actor | None) -> bool:
    return actor is not None and actor.role in TRACKERS


def can_submit_for(actor: Actor, membership_id: int) -> bool:
    """One's own week, or anyone's for owners and managers."""
    if actor.is_manager:
        return True
    return actor.role == "va" and actor.membership.id == membership_id


def can_decide(actor: Actor) -> bool:
    """Approve, reject and reopen weeks (the team queue)."""
    return actor.is_manager


def can_manage_settings(actor: Actor) -> bool:
    return actor.role == "owner"


def week_lock(actor: Actor, timesheet: Any | None, *, adding: bool = False) -> str | None:
    """Why the actor may not add or change time in a week: "approved" (for everyone: reopen
    it first), "submitted" (for a VA; owners and managers may still fix it before deciding);
    None when the week is open."""
    if timesheet is None:
        return None
    if timesheet.state == "approved" and adding:
        return "approved"
    if timesheet.state == "submitted" and not actor.is_manager:
        return "submitted"
    if timesheet.state == "approved" and not actor.is_manager:
        return "approved"
    return None
