"""The response-time promise: one clock per client message that needs an answer, and the
agency's business week (hours and holiday calendar) the clocks run in.

A clock lives on a thread (a work request, a work item): while one is open on a thread, a
further client message on it is already being waited on and starts no second clock. States:
`running` (counting business time since `running_since`), `paused` (the agency asked the
client for something and waits), `answered` (the first staff reply stopped it).
`business_seconds` is the business time used before `running_since`; `due_at` and `warn_at`
are the instants (business time) of 100 % and 75 % of the promise, unset while paused.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.capacity.intervals import Schedule, as_schedule
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

CLOCK_STATES = ("running", "paused", "answered")
THREAD_KINDS = ("work_request", "work_item")
SOURCE_KINDS = ("work_request", "work_comment", "request_message")


class AgencyHours(TenantScoped, db.Model):
    """The agency's business week (in the agency's zone) and the country (and subdivision)
    of its public holidays; an agency with no row works Monday to Friday, 09:00-17:00, with
    no public holidays."""

    __tablename__ = "agency_business_hours"
    __table_args__ = (sa.UniqueConstraint("agency_id", name="uq_agency_business_hours_agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[list] = mapped_column(sa.JSON)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    subdivision: Mapped[str | None] = mapped_column(sa.String(10))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def week(self) -> Schedule:
        return as_schedule(self.schedule)


class ResponseClock(TenantScoped, db.Model):
    """How long the agency took, in business time, to answer one client message."""

    __tablename__ = "response_clocks"
    __table_args__ = (
        # One clock per message, whoever (a request, a comment hook, inbound mail) starts it.
        sa.UniqueConstraint(
            "agency_id", "source_kind", "source_id", name="uq_response_clocks_source"
        ),
        sa.Index("ix_response_clocks_thread", "agency_id", "thread_kind", "thread_id", "state"),
        # The sweep: open clocks whose warning or breach time has come.
        sa.Index("ix_response_clocks_state_due", "state", "due_at"),
        # The figures: a client's messages by month.
        sa.Index("ix_response_clocks_client_received", "agency_id", "client_id", "received_at"),
        sa.CheckConstraint(
            "state IN ('running', 'paused', 'answered')", name="response_clocks_state_known"
        ),
        sa.CheckConstraint("business_seconds >= 0", name="response_clocks_seconds_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    # The client's primary VA when the message came in: the figures per VA count on them.
    va_membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL"), index=True
    )
    thread_kind: Mapped[str] = mapped_column(sa.String(16))
    thread_id: Mapped[int] = mapped_column()
    source_kind: Mapped[str] = mapped_column(sa.String(24))
    source_id: Mapped[int] = mapped_column()
    promised_seconds: Mapped[int] = mapped_column()
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(sa.String(10), default="running")
    running_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    business_seconds: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
