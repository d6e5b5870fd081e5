"""Plug onboarding into the clients domain at start-up (see app.clients.status_hooks)."""

from __future__ import annotations

from app.clients.status_hooks import register_status_hook
from app.onboarding.services import on_status_changed


def register_onboarding_hooks() -> None:
    register_status_hook(on_status_changed)
