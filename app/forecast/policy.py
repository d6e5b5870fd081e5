"""Who sees the forecast: owners and managers (they see invoices and receivables already);
never VAs, QA or client contacts."""

from __future__ import annotations

from app.core.permissions import MANAGERS, Actor


def can_see_forecast(actor: Actor) -> bool:
    return actor.role in MANAGERS
