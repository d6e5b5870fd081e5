"""Pure permission rules of the master calendar and its feeds.

Staff (owners, managers, VAs, QA reviewers) have a calendar; client contacts have none
(403). What each person sees on it is decided by each source (app.calendar.sources):
owners and managers see the agency, a VA their own assigned work, a QA reviewer the work
they review; money (invoice due dates) only for the roles that see invoices.
Everyone with a calendar has their own feed and manages only their own.
"""

from __future__ import annotations

from app.core.permissions import Actor

CALENDAR_ROLES = ("owner", "manager", "va", "qa")


def can_see_calendar(actor: Actor | None) -> bool:
    return actor is not None and actor.role in CALENDAR_ROLES


def can_filter_by_member(actor: Actor) -> bool:
    """Owners and managers look at anyone's calendar; the others see only their own."""
    return actor.is_manager


def can_manage_feed(actor: Actor) -> bool:
    """One's own feed: see its status, (re)generate and revoke it."""
    return can_see_calendar(actor)
