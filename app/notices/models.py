"""Notification preferences, and the notices held for a person's daily summary.

A person without a row for a kind gets it by email at once. A held notice is the subject
and link of one notification, written in its recipient's language when it happened; the
daily summary sends every held notice of a person once and marks it with that email.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db


class NoticePreference(TenantScoped, db.Model):
    """How one member receives one kind of notification."""

    __tablename__ = "notice_preferences"
    __table_args__ = (
        sa.UniqueConstraint("membership_id", "kind", name="uq_notice_preferences_member_kind"),
        sa.CheckConstraint(
            "channel IN ('now', 'daily', 'off')", name="notice_preferences_channel_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class HeldNotice(TenantScoped, db.Model):
    """One notification waiting for its person's daily summary."""

    __tablename__ = "held_notices"
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key", name="uq_held_notices_key"),
        # The summary sweep: a person's notices not summed up yet.
        sa.Index("ix_held_notices_pending", "membership_id", "summary_email_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    summary_email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )
