"""Time entries of the agency's people, the running timer, and the agency's activities.

An entry is one of three shapes, all in the same table:

* a finished entry with times: `started_at` and `ended_at` (UTC instants, so an entry across
  a daylight-saving change has its true length) and `duration_seconds` between them;
* a duration-only entry: `entry_date` and `duration_seconds`, no times;
* the running timer: `started_at` and no `ended_at` (at most one per member: a partial
  unique index on PostgreSQL and SQLite).

`entry_date` is the day the entry counts on, in `zone`: the person's time zone when it was
entered (kept, so a later change of the person's zone does not move old entries).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.catalogues import N_
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.users.models import Membership
from app.work.models import WorkItem

RUNNING = sa.text("started_at IS NOT NULL AND ended_at IS NULL")

# Every new agency starts with these activities (owners and managers change the list).
DEFAULT_ACTIVITIES = (
    N_("Admin"),
    N_("Email and messages"),
    N_("Meetings and calls"),
    N_("Research"),
    N_("Scheduling"),
)


class Activity(TenantScoped, db.Model):
    """A kind of work the agency records time against (its own list)."""

    __tablename__ = "time_activities"
    __table_args__ = (sa.UniqueConstraint("agency_id", "name", name="uq_time_activities_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TimeEntry(TenantScoped, db.Model):
    """Time a member spent for a client (on a work item, or not)."""

    __tablename__ = "time_entries"
    __table_args__ = (
        # One running timer per person, whatever the race.
        sa.Index(
            "uq_time_entries_running",
            "membership_id",
            unique=True,
            postgresql_where=RUNNING,
            sqlite_where=RUNNING,
        ),
        # My time: one member's week.
        sa.Index(
            "ix_time_entries_member_date",
            "agency_id",
            "membership_id",
            "entry_date",
            # what the top bar's recent clients read, from the index alone
            postgresql_include=["id", "client_id", "started_at", "ended_at", "created_at"],
        ),
        sa.Index("ix_time_entries_client_date", "agency_id", "client_id", "entry_date"),
        # The reports' range of days: covering, so a month of a large agency is read from
        # the index alone (see migration 0036).
        sa.Index(
            "ix_time_entries_agency_date",
            "agency_id",
            "entry_date",
            postgresql_include=[
                "id",
                "client_id",
                "membership_id",
                "activity_id",
                "work_item_id",
                "billable",
                "duration_seconds",
                "started_at",
                "ended_at",
                "approved_at",
                "invoice_id",
            ],
        ),  # fmt: skip
        sa.Index("ix_time_entries_work_item", "work_item_id"),
        sa.Index("ix_time_entries_invoice", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    work_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="SET NULL")
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("time_activities.id", ondelete="SET NULL")
    )
    billable: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notes: Mapped[str | None] = mapped_column(sa.Text)
    entry_date: Mapped[dt.date] = mapped_column(sa.Date)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column()
    zone: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Approval (by a timesheet) locks the entry; billing locks it for good. An entry is
    # billed at most once: `invoice_id` is set under a row lock and cleared only when the
    # draft is deleted or the invoice voided.
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    invoice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="SET NULL")
    )
    invoice_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoice_lines.id", ondelete="SET NULL")
    )

    member: Mapped[Membership] = relationship(lazy="joined", innerjoin=True)
    client: Mapped[Client] = relationship(lazy="joined", innerjoin=True)
    work_item: Mapped[WorkItem | None] = relationship(lazy="joined")
    activity: Mapped[Activity | None] = relationship(lazy="joined")

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    @property
    def billed(self) -> bool:
        return self.invoice_id is not None

    def seconds(self, now: dt.datetime | None = None) -> int:
        """Its length; a running timer's so far."""
        if self.running:
            assert self.started_at is not None
            return max(0, int(((now or utcnow()) - self.started_at).total_seconds()))
        return self.duration_seconds or 0


@event.listens_for(Agency, "after_insert")
def _seed_activities(mapper, connection, agency) -> None:  # noqa: ANN001 - SQLAlchemy's hook
    """A new agency gets the default activities in the same transaction."""
    connection.execute(
        Activity.__table__.insert(),
        [
            {"agency_id": agency.id, "name": name, "active": True, "created_at": utcnow()}
            for name in DEFAULT_ACTIVITIES
        ],
    )
