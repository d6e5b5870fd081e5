"""An export file built in the background and downloaded by the person who asked for it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

EXPORT_KINDS = ("clients_csv",)


class Export(TenantScoped, db.Model):
    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_jobs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    filename: Mapped[str] = mapped_column(sa.String(120))
    content: Mapped[str | None] = mapped_column(sa.Text)
    row_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
