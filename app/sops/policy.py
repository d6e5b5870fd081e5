"""Pure permission rules of SOPs: who may read the library and who may author it.

Everyone on the agency's staff (owners, managers, VAs, QA reviewers) reads the SOPs: they
are the team's training material. Owners and managers author them (create, edit, clone,
import, archive). Client contacts never see the agency's procedures.
"""

from __future__ import annotations

from typing import Any

from app.core.permissions import MANAGERS, STAFF, Actor

READERS = STAFF
AUTHORS = MANAGERS


def can_read_sops(actor: Actor | None) -> bool:
    return actor is not None and actor.role in READERS


def can_author_sops(actor: Actor | None) -> bool:
    """Create new SOPs and import YAML files."""
    return actor is not None and actor.role in AUTHORS


def can_edit_sop(actor: Actor, sop: Any) -> bool:
    return can_author_sops(actor)


def can_clone_sop(actor: Actor, sop: Any) -> bool:
    return can_author_sops(actor)


def can_archive_sop(actor: Actor, sop: Any) -> bool:
    return can_author_sops(actor)


def can_export_sop(actor: Actor, sop: Any) -> bool:
    """Exporting is reading: the YAML is the same content as the training page."""
    return can_read_sops(actor)
