"""Per-person iCalendar feeds: a secret URL whose token is stored only as a sha256 hash.

A membership has at most one live feed (revoked_at is None); regenerating revokes the live
one and makes a new one, so the old URL stops working at once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.users.models import Membership


class CalendarFeed(TenantScoped, db.Model):
    """One secret feed URL of a person (a membership) in an agency."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        sa.Index(
            "uq_calendar_feeds_live_member",
            "membership_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fetch_count: Mapped[int] = mapped_column(default=0)

    member: Mapped[Membership] = relationship()
