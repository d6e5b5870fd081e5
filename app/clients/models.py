"""Clients of an agency, their contact people, service packages and VA assignments."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db
from app.users.models import Membership

CLIENT_STATUSES = ("prospect", "onboarding", "active", "paused", "ended")
CHANNELS = ("email", "phone", "sms", "whatsapp", "slack", "teams", "portal", "video_call")
MESSAGE_KINDS = ("urgent", "routine", "approvals", "reports", "billing")
ASSIGNMENT_KINDS = ("primary", "backup")
PRICINGS = ("fixed", "hourly", "retainer")
# The confidentiality clause of a client's contract: the agency's standard clause, a mutual
# NDA, the client's own NDA, or none agreed yet.
CONFIDENTIALITY_CLAUSES = ("standard", "mutual_nda", "client_nda", "none")


class ServicePackage(TenantScoped, db.Model):
    """A package in the agency's service catalogue."""

    __tablename__ = "service_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)
    pricing: Mapped[str] = mapped_column(sa.String(16), default="fixed")
    price_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    active: Mapped[bool] = mapped_column(default=True)
    # The SOP a client on this package is onboarded with (none: the agency's
    # `client-onboarding` SOP, see app.onboarding.services).
    onboarding_sop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sops.id", ondelete="SET NULL")
    )


class Client(TenantScoped, db.Model):
    """A client of the agency: contract terms, channels, time zone and money settings."""

    __tablename__ = "clients"
    __table_args__ = (
        sa.Index("ix_clients_agency_name", "agency_id", "name"),
        # The default list (not archived, by name): its pages and count come from this
        # index alone, however deep the page.
        sa.Index(
            "ix_clients_live_by_name",
            "agency_id",
            "name",
            "id",
            postgresql_where=sa.text("archived_at IS NULL"),
            sqlite_where=sa.text("archived_at IS NULL"),
        ),
        # Substring search (`q`) within one agency: on PostgreSQL a GIN index over the agency
        # (btree_gin) and the name's trigrams (pg_trgm), so the planner can answer both
        # conditions from one index; elsewhere a plain index.
        sa.Index(
            "ix_clients_name_trgm",
            "agency_id",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    currency: Mapped[str] = mapped_column(sa.String(3))
    locale: Mapped[str] = mapped_column(sa.String(16), default="en")
    country: Mapped[str | None] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(16), default="prospect")
    channels: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    deposit_percent: Mapped[int] = mapped_column(default=0)
    net_days: Mapped[int] = mapped_column(default=15)
    response_time_hours: Mapped[int] = mapped_column(default=24)
    service_package_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_packages.id", ondelete="SET NULL")
    )
    bill_rate_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminders_paused: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Contract terms (payment and response time are deposit_percent, net_days and
    # response_time_hours above).
    scope: Mapped[str | None] = mapped_column(sa.Text)
    confidentiality: Mapped[str] = mapped_column(
        sa.String(16), default="standard", server_default="standard"
    )
    confidentiality_notes: Mapped[str | None] = mapped_column(sa.Text)
    termination_notice_days: Mapped[int | None] = mapped_column(sa.Integer)
    contract_starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    service_package: Mapped[ServicePackage | None] = relationship(lazy="joined")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="client", order_by="Contact.id", lazy="selectin"
    )
    # Loaded explicitly where needed (all of them on the detail page, current ones on lists).
    assignments: Mapped[list[Assignment]] = relationship(
        order_by=lambda: (Assignment.starts_on.desc(), Assignment.id.desc()),
        lazy="raise_on_sql",
        viewonly=True,
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Contact(TenantScoped, db.Model):
    """A contact person at a client; `membership_id` links their portal login, if any."""

    __tablename__ = "contacts"
    __table_args__ = (
        sa.Index(
            "ix_contacts_email_trgm",
            "agency_id",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    role: Mapped[str | None] = mapped_column(sa.String(80))
    preferred_channel: Mapped[str] = mapped_column(sa.String(16), default="email")
    is_billing: Mapped[bool] = mapped_column(default=False)
    membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )

    client: Mapped[Client] = relationship(back_populates="contacts")


class Assignment(TenantScoped, db.Model):
    """A VA assigned to a client, primary or backup, for a period; ended rows are kept."""

    __tablename__ = "assignments"
    __table_args__ = (sa.Index("ix_assignments_member_client", "membership_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16), default="primary")
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    client: Mapped[Client] = relationship()
    membership: Mapped[Membership] = relationship(lazy="joined", innerjoin=True)

    def is_current(self, today: dt.date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or self.ends_on > today)
