"""Read side of onboarding: a client's current run (tenant-scoped like every query)."""

from __future__ import annotations

import sqlalchemy as sa

from app.clients.models import Client
from app.extensions import db
from app.onboarding.models import OnboardingRun


def client_run(client: Client) -> OnboardingRun | None:
    """The run of the client's latest engagement (its steps load with it), or None."""
    return db.session.scalar(
        sa.select(OnboardingRun)
        .where(OnboardingRun.client_id == client.id)
        .order_by(OnboardingRun.engagement.desc())
        .limit(1)
    )
