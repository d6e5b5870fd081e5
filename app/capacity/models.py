"""Capacity: a staff member's working hours (per weekday, in their own zone) and holiday
country, their time off, a client's business hours (in the client's zone), and the
recurring meeting slots of a client with its VA (weekday and time in the client's zone).

A member or client with no row works the default week (Monday to Friday, 09:00-17:00).
Schedules are JSON: seven lists (Monday first) of [start, end] minutes from midnight.
`Membership.capacity_hours_week` is not read here: weekly capacity is computed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.capacity.intervals import Schedule, as_schedule
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.users.models import Membership, User

TIME_OFF_KINDS = ("vacation", "sick", "other")
TIME_OFF_STATES = ("pending", "approved", "declined", "cancelled")


class WorkingHours(TenantScoped, db.Model):
    """A staff member's week and the country (and subdivision) of their public holidays."""

    __tablename__ = "working_hours"
    __table_args__ = (sa.UniqueConstraint("membership_id", name="uq_working_hours_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    schedule: Mapped[list] = mapped_column(sa.JSON)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    subdivision: Mapped[str | None] = mapped_column(sa.String(10))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def week(self) -> Schedule:
        return as_schedule(self.schedule)


class ClientHours(TenantScoped, db.Model):
    """A client's business hours (holidays come from `Client.country`)."""

    __tablename__ = "client_business_hours"
    __table_args__ = (sa.UniqueConstraint("client_id", name="uq_client_business_hours_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    schedule: Mapped[list] = mapped_column(sa.JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def week(self) -> Schedule:
        return as_schedule(self.schedule)


class TimeOff(TenantScoped, db.Model):
    """Days off (whole days `starts_on`..`ends_on`), or `minutes` off on one day."""

    __tablename__ = "time_off"
    __table_args__ = (
        sa.Index("ix_time_off_member_days", "membership_id", "starts_on", "ends_on"),
        sa.Index("ix_time_off_agency_state", "agency_id", "state"),
        sa.CheckConstraint("ends_on >= starts_on", name="time_off_days_ordered"),
        sa.CheckConstraint(
            "minutes IS NULL OR (minutes > 0 AND minutes <= 1440 AND starts_on = ends_on)",
            name="time_off_minutes_one_day",
        ),
        sa.CheckConstraint("kind IN ('vacation', 'sick', 'other')", name="time_off_kind_known"),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'declined', 'cancelled')",
            name="time_off_state_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    minutes: Mapped[int | None] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(16), default="vacation")
    note: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Membership] = relationship(lazy="joined", innerjoin=True)
    decided_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[decided_by_id])

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class MeetingSlot(TenantScoped, db.Model):
    """A weekly meeting of a client with a VA: weekday and start in the CLIENT's zone."""

    __tablename__ = "meeting_slots"
    __table_args__ = (
        sa.Index("ix_meeting_slots_client", "client_id"),
        sa.Index("ix_meeting_slots_member", "membership_id"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="meeting_slots_weekday"),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440", name="meeting_slots_start_minute"
        ),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="meeting_slots_duration"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column()
    start_minute: Mapped[int] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(default=30)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    client: Mapped[Client] = relationship(lazy="joined", innerjoin=True)
    member: Mapped[Membership] = relationship(lazy="joined", innerjoin=True)
