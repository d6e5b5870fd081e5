"""Who may read the audit log. Nobody may change it: there are no update or delete rules."""

from __future__ import annotations

from app.core.permissions import Actor


def can_view_audit_log(actor: Actor | None) -> bool:
    """The audit log is the owners' record of who changed what."""
    return actor is not None and actor.role == "owner"
