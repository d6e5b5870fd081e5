"""Models of weekly digests: the agency's schedule, a client's pause and each digest sent."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_SEND_TIME = dt.time(9, 0)


class DigestSettings(TenantScoped, db.Model):
    """When the agency's digests go out: a weekday (0 Monday) and a time, in each client's
    zone. No row: Monday 09:00."""

    __tablename__ = "digest_settings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(default=DEFAULT_WEEKDAY)
    send_time: Mapped[dt.time] = mapped_column(sa.Time, default=DEFAULT_SEND_TIME)


class DigestPause(TenantScoped, db.Model):
    """A client's digest switch. `changed_at` of an unpause tells the sweep not to send a
    week whose send time had already passed while the client was paused (no backlog)."""

    __tablename__ = "digest_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), unique=True
    )
    paused: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class ClientDigest(TenantScoped, db.Model):
    """One digest sent to a client for one week (unique: the sweep's exactly-once key), with
    the figures as they were, so history shows what the client read."""

    __tablename__ = "client_digests"
    __table_args__ = (sa.UniqueConstraint("client_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    week_start: Mapped[dt.date] = mapped_column(sa.Date)  # Monday of the sending week
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locale: Mapped[str] = mapped_column(sa.String(16))
    recipients: Mapped[list] = mapped_column(sa.JSON, default=list)  # [email]
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
