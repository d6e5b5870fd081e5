"""Pure permission rules of clients, contacts, assignments and packages.

Seeing a client is decided by `queries.visible_clients`; these rules decide what a viewer
who can see it may do with it, and which fields they may see.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import Actor


def can_see_client_rates(actor: Actor | None) -> bool:
    """Bill rates (and package prices) are internal: owners and managers only."""
    return actor is not None and actor.sees_rates


def can_see_client_notes(actor: Actor | None) -> bool:
    """Internal notes are for the agency's staff, never for the client's own people."""
    return actor is not None and actor.role in ("owner", "manager", "va", "qa")


def can_see_assignment_history(actor: Actor | None) -> bool:
    """Past assignments are staff information; a client contact sees the current team."""
    return actor is not None and actor.role in ("owner", "manager", "va", "qa")


def can_create_client(actor: Actor) -> bool:
    return actor.is_manager


def can_edit_client(actor: Actor, client: Any) -> bool:
    return actor.is_manager


def can_archive_client(actor: Actor, client: Any) -> bool:
    return actor.is_manager


def can_manage_contacts(actor: Actor, client: Any) -> bool:
    return actor.is_manager


def can_edit_contact(actor: Actor, contact: Any) -> bool:
    return actor.is_manager


def can_delete_contact(actor: Actor, contact: Any) -> bool:
    return actor.is_manager


def can_assign_client(actor: Actor, client: Any) -> bool:
    return actor.is_manager


def can_end_assignment(actor: Actor, assignment: Any) -> bool:
    return actor.is_manager


def can_manage_packages(actor: Actor) -> bool:
    return actor.is_manager


def can_edit_package(actor: Actor, package: Any) -> bool:
    return actor.is_manager
