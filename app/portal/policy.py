"""Who may do what with work requests: pure rules, no database, no Flask."""

from __future__ import annotations

from typing import Any

from app.core.permissions import MANAGERS, Actor


def can_ask_for_work(actor: Actor) -> bool:
    """A client contact asks for work on their own client."""
    return actor.role == "client" and getattr(actor.membership, "client_id", None) is not None


def can_decide_work_request(actor: Actor, work_request: Any) -> bool:
    """Owners and managers accept (by creating a work item) or decline an open request."""
    return actor.role in MANAGERS


def can_list_work_requests(actor: Actor) -> bool:
    return actor.role in MANAGERS or actor.role == "client"
