"""An onboarding run of a client (one per engagement) and the state of each of its steps."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

STEP_STATES = ("pending", "done", "skipped", "failed")


class OnboardingRun(TenantScoped, db.Model):
    """One engagement's onboarding. `engagement` counts the client's engagements (1, 2, ...):
    unique per client, so two requests that both see the client become `onboarding` make one
    run. `ended_at` is set when the client ends; the next onboarding is a new engagement."""

    __tablename__ = "onboarding_runs"
    __table_args__ = (sa.UniqueConstraint("client_id", "engagement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    engagement: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    work_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="SET NULL")
    )
    packet_key: Mapped[str | None] = mapped_column(sa.String(300))
    packet_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    packet_rendered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    steps: Mapped[list[OnboardingStep]] = relationship(
        order_by="OnboardingStep.position", lazy="selectin", viewonly=True
    )


class OnboardingStep(TenantScoped, db.Model):
    """A step of a run: its key (`work_item`, `invitations`, `welcome_packet` or a registered
    step's), state and a `detail` of plain values the card turns into words (a reason code,
    counts, ids)."""

    __tablename__ = "onboarding_steps"
    __table_args__ = (sa.UniqueConstraint("run_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("onboarding_runs.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
