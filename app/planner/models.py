"""Time blocks: a VA's plan of when they work on a work item (the week planner).

A block is `minutes` of work from `starts_at` (UTC) by one member on one work item assigned
to them. Blocks count as planned hours in the workload (app.planner.hooks).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

MIN_MINUTES = 15
MAX_MINUTES = 720


class TimeBlock(TenantScoped, db.Model):
    __tablename__ = "time_blocks"
    __table_args__ = (
        sa.Index("ix_time_blocks_member_start", "membership_id", "starts_at"),
        sa.Index("ix_time_blocks_work_item", "work_item_id"),
        sa.CheckConstraint("minutes > 0 AND minutes <= 720", name="time_blocks_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    work_item_id: Mapped[int] = mapped_column(sa.ForeignKey("work_items.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)
