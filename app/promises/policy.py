"""Pure permission rules of the response-time promise: owners and managers read the clocks
and figures (how fast the agency answers its clients); VAs, QA reviewers and client contacts
do not."""

from __future__ import annotations

from app.core.permissions import Actor


def can_see_promises(actor: Actor | None) -> bool:
    return actor is not None and actor.is_manager


def can_edit_agency_hours(actor: Actor | None) -> bool:
    """The business week the promise is measured in: owners set it."""
    return actor is not None and actor.role == "owner"
