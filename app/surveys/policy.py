"""Who may do what with satisfaction surveys: pure rules, no database, no Flask."""

from __future__ import annotations

from typing import Any

from app.core.permissions import MANAGERS, Actor


def can_view_satisfaction(actor: Actor) -> bool:
    """Owners and managers read the scores, the answers and the figures."""
    return actor.role in MANAGERS


def can_change_survey_settings(actor: Actor) -> bool:
    return actor.role in MANAGERS


def can_answer_survey(actor: Actor, survey: Any) -> bool:
    """A client contact answers their own client's surveys in the portal."""
    client_id = getattr(actor.membership, "client_id", None)
    return actor.role == "client" and client_id is not None and survey.client_id == client_id
