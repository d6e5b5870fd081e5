"""Work requests: a client contact asks the agency for work from their portal.

A request is `open` until an owner or manager either turns it into a work item
(`accepted`, linked by `work_item_id`) or declines it with a reason (`declined`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.users.models import Membership

REQUEST_STATUSES = ("open", "accepted", "declined")


class WorkRequest(TenantScoped, db.Model):
    """One thing a client contact asked for, and what the agency decided."""

    __tablename__ = "work_requests"
    __table_args__ = (
        # The staff page: open requests oldest first, then decided ones.
        sa.Index("ix_work_requests_agency_status_created", "agency_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    details: Mapped[str | None] = mapped_column(sa.Text)  # sanitized HTML
    wanted_by: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    work_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    client: Mapped[Client] = relationship()
    requested_by: Mapped[Membership | None] = relationship()
