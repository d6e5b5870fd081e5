"""Who may export what."""

from __future__ import annotations

from app.core.permissions import Actor


def can_export_clients(actor: Actor) -> bool:
    return actor.role in ("owner", "manager")


def can_download_export(actor: Actor, export) -> bool:
    return actor.role in ("owner", "manager") and export.status == "ready"
