"""Who may do what with intake addresses and request threads: pure rules, no database."""

from __future__ import annotations

from typing import Any

from app.core.permissions import MANAGERS, Actor


def can_see_intake_address(actor: Actor, client: Any) -> bool:
    """Owners and managers see a client's address (to give it to the client)."""
    return actor.role in MANAGERS


def can_rotate_intake_address(actor: Actor, client: Any) -> bool:
    """Only owners replace an address (the old one stops working at once)."""
    return actor.role == "owner"


def can_reply_to_request(actor: Actor, work_request: Any) -> bool:
    """Owners and managers answer a request; the answer is emailed to the client."""
    return actor.role in MANAGERS


def can_answer_request(actor: Actor, work_request: Any) -> bool:
    """A client contact answers in the thread of their own client's requests (the portal)."""
    client_id = getattr(actor.membership, "client_id", None)
    return actor.role == "client" and client_id is not None and work_request.client_id == client_id


def can_write_in_thread(actor: Actor, work_request: Any) -> bool:
    """Staff answer (emailed to the client), the client's contacts answer (staff are told)."""
    return can_reply_to_request(actor, work_request) or can_answer_request(actor, work_request)
