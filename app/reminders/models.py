"""The reminder ladder (steps) and the reminders sent for an invoice."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db


class ReminderStep(TenantScoped, db.Model):
    """A rung of the agency's reminder ladder: days relative to the due date."""

    __tablename__ = "reminder_steps"
    __table_args__ = (sa.UniqueConstraint("agency_id", "offset_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_days: Mapped[int] = mapped_column()  # -3 = three days before due, 7 = a week after
    subject_template: Mapped[str] = mapped_column(sa.String(200))
    body_template: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)


class ReminderSend(TenantScoped, db.Model):
    """One reminder step for one invoice: sent at most once (unique), or skipped. Or a
    reminder sent by hand (`kind` "manual", no step): at most one per invoice and client-local
    day (`manual_day`), so a double click or two people at once send one."""

    __tablename__ = "reminder_sends"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "step_id"),
        sa.UniqueConstraint("invoice_id", "manual_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reminder_steps.id", ondelete="CASCADE")
    )  # None for a manual reminder
    kind: Mapped[str] = mapped_column(sa.String(8), default="ladder", server_default="ladder")
    manual_day: Mapped[dt.date | None] = mapped_column(sa.Date)  # client-local date, manual only
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # 09:00 client time on a business day (a manual reminder: when it was sent)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="sent")  # sent | skipped
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )  # the first of its emails (one per recipient)
    recipients: Mapped[list | None] = mapped_column(sa.JSON)  # addresses it was sent to
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
