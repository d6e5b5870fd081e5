"""Bill rates, cost rates and the agency's time-billing settings.

Every rate is a row that applies from its `effective_from` day on (in the entry's own day,
`TimeEntry.entry_date`), until a later row of the same scope replaces it. `FROM_THE_START`
marks a row that applies to every day before any dated change. A change never touches
what is billed: invoice lines keep the amounts they were written with.

Bill rates have five levels, the first that has a rate for an entry's day wins:

    work_item      one work item
    client_member  one person's time for one client (an override)
    client         a client (before any dated row: the client's own `bill_rate_minor`)
    package        the client's service package (before any dated row: the price of an
                   hourly package in the catalogue)
    agency         the agency's default

Cost rates are per person: `hourly` (before any dated row: the person's `cost_rate_minor`
on the team page), or `per_item`, a fee per work item of one SOP.

Amounts are integer minor units of the row's currency (JPY 0 decimals, USD 2, KWD 3).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

LEVELS = ("work_item", "client_member", "client", "package", "agency")
COST_KINDS = ("hourly", "per_item")
INCREMENTS = (1, 6, 15)
DIRECTIONS = ("up", "down", "nearest")
# The day a row "from the start" carries: before any entry anyone can record.
FROM_THE_START = dt.date(1900, 1, 1)


def bill_scope(
    level: str,
    *,
    client_id: int | None = None,
    membership_id: int | None = None,
    work_item_id: int | None = None,
    service_package_id: int | None = None,
) -> str:
    """The key that tells the rows of one scope apart ("client:4:member:9"): at most one
    row per scope and day (a unique index)."""
    if level == "work_item":
        return f"work_item:{work_item_id}"
    if level == "client_member":
        return f"client:{client_id}:member:{membership_id}"
    if level == "client":
        return f"client:{client_id}"
    if level == "package":
        return f"package:{service_package_id}"
    return "agency"


class BillRate(TenantScoped, db.Model):
    """What an hour of time costs the client, from a day on, at one level."""

    __tablename__ = "bill_rates"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "scope", "effective_from", name="uq_bill_rates_scope_day"),
        sa.CheckConstraint("rate_minor >= 0", name="rate_not_negative"),
        sa.Index("ix_bill_rates_client", "client_id"),
        sa.Index("ix_bill_rates_work_item", "work_item_id"),
        sa.Index("ix_bill_rates_package", "service_package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(16))
    scope: Mapped[str] = mapped_column(sa.String(60))
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE")
    )
    work_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("work_items.id", ondelete="CASCADE")
    )
    service_package_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_packages.id", ondelete="CASCADE")
    )
    rate_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def from_the_start(self) -> bool:
        return self.effective_from <= FROM_THE_START


class CostRate(TenantScoped, db.Model):
    """What the agency pays a person, from a day on: by the hour, or a fee per work item of
    one SOP."""

    __tablename__ = "cost_rates"
    __table_args__ = (
        sa.UniqueConstraint(
            "agency_id", "membership_id", "scope", "effective_from", name="uq_cost_rates_scope_day"
        ),
        sa.CheckConstraint("rate_minor >= 0", name="rate_not_negative"),
        sa.Index("ix_cost_rates_member", "membership_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    # "hourly" or "sop:<id>": at most one row per person, scope and day.
    scope: Mapped[str] = mapped_column(sa.String(30))
    sop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sops.id", ondelete="CASCADE"))
    rate_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def from_the_start(self) -> bool:
        return self.effective_from <= FROM_THE_START


class TimeBillingSettings(TenantScoped, db.Model):
    """One row per agency (defaults until an owner saves the page): how entries are rounded
    and whether only QA-approved work is billed. Who sees costs is on the agency itself
    (`Agency.managers_see_costs`): the team pages read it too."""

    __tablename__ = "time_billing_settings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rounding_increment: Mapped[int] = mapped_column(default=1)  # minutes: 1, 6 or 15
    rounding_direction: Mapped[str] = mapped_column(sa.String(8), default="nearest")
    bill_only_qa_approved: Mapped[bool] = mapped_column(default=True)
