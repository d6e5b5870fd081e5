"""Pure permission rules of time entries, the timer and activities.

Time is the agency's staff business: owners and managers see and fix everyone's; a VA sees
and changes their own only. QA reviewers and client contacts see none of it (a QA member
records no time: the doer is the VA).
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor

TRACKERS = ("owner", "manager", "va")


def can_track_time(actor: Actor | None) -> bool:
    """Records their own time (the timer in the top bar, My time)."""
    return actor is not None and actor.role in TRACKERS


def can_see_everyones_time(actor: Actor) -> bool:
    return actor.is_manager


def can_enter_for_others(actor: Actor) -> bool:
    return actor.is_manager


def can_change_entry(actor: Actor, entry: Any) -> bool:
    """Their own entry, or anyone's for owners and managers."""
    if actor.is_manager:
        return True
    return actor.role == "va" and entry.membership_id == actor.membership.id


def can_manage_activities(actor: Actor) -> bool:
    return actor.is_manager


def entry_lock(entry: Any) -> str | None:
    """Why nobody may change or delete the entry now: "billed" (for good: a correction is a
    credit note and a new entry) or "approved" (until its timesheet is reopened); None if
    it is open."""
    if entry.invoice_id is not None:
        return "billed"
    if entry.approved_at is not None:
        return "approved"
    return None
