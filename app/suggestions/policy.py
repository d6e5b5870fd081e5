"""Pure permission rules of suggestions: owners and managers set skill tags and read
suggestions (they assign VAs); VAs, QA reviewers and client contacts do neither."""

from __future__ import annotations

from app.core.permissions import Actor

MANAGING = ("owner", "manager")


def can_manage_tags(actor: Actor) -> bool:
    return actor.role in MANAGING


def can_see_suggestions(actor: Actor) -> bool:
    return actor.role in MANAGING
