"""Weekly timesheets of the agency's people, and the agency's timesheet settings.

A week with no row is open (not submitted). A row is `submitted`, `approved` or `rejected`
(with the reason the VA reads) or `reopened` (an approved week a manager opened again);
rejected and reopened weeks are open to changes, and are submitted again.

The week starts on the agency's chosen day (`TimesheetSettings.week_start`); its days are
the person's (`TimeEntry.entry_date`, in the person's zone).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.users.models import Membership, User

STATES = ("submitted", "approved", "rejected", "reopened")
OPEN_STATES = ("rejected", "reopened")  # the VA may change the week's entries again
# Python weekday numbers of the days a week may start on.
WEEK_STARTS = {"monday": 0, "saturday": 5, "sunday": 6}


class Timesheet(TenantScoped, db.Model):
    """One person's week, once it has been submitted."""

    __tablename__ = "timesheets"
    __table_args__ = (
        sa.UniqueConstraint("membership_id", "week_start", name="uq_timesheets_member_week"),
        sa.Index("ix_timesheets_agency_state_week", "agency_id", "state", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    week_start: Mapped[dt.date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(16), default="submitted")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Membership] = relationship(lazy="joined", innerjoin=True)
    decided_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[decided_by_id])

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def locked_for_va(self) -> bool:
        return self.state in ("submitted", "approved")


class TimesheetSettings(TenantScoped, db.Model):
    """One row per agency (defaults until an owner saves the page)."""

    __tablename__ = "timesheet_settings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[str] = mapped_column(sa.String(10), default="monday")
    # Clients have no account manager: when on, a manager approves only weeks whose every
    # client is assigned to them (owners always may).
    assigned_managers_only: Mapped[bool] = mapped_column(default=False)
