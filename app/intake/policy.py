"""Who may do what with intake questionnaires and answers: pure rules, no database."""

from __future__ import annotations

from typing import Any

from app.core.permissions import MANAGERS, Actor


def can_manage_questionnaires(actor: Actor) -> bool:
    """Owners and managers define the agency's questionnaires."""
    return actor.role in MANAGERS


def can_send_questionnaire(actor: Actor, client: Any) -> bool:
    return actor.role in MANAGERS


def can_see_intake_answers(actor: Actor | None) -> bool:
    """Owners, managers and (through the client's visibility: a current assignment) the
    client's VAs; QA reviewers do not read a client's intake."""
    return actor is not None and actor.role in (*MANAGERS, "va")


def can_answer_intake(actor: Actor, intake_request: Any) -> bool:
    """A client contact answers their own client's questionnaires."""
    return (
        actor.role == "client"
        and getattr(actor.membership, "client_id", None) == intake_request.client_id
    )
