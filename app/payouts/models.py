"""Payout statements: what the agency owes each person for a period, in one currency.

A statement is `draft` (regenerated from the costs whenever asked), `reviewed` (frozen for
the payer, still open to adjustments) or `paid` (locked for good: no line, adjustment or
regeneration changes it). One statement per person, period and currency (unique), so two
runs of the generator make one.

Every line keeps the days its cost came from (`source_start`..`source_end`) and the cost
group's key (client, SOP, month, kind, rate, currency): the lines of all statements of a
person are a ledger of what has been put on a statement for which days. Time approved after
a statement was paid (or corrected since) shows up as the difference between the period's
cost now and what the ledger holds for those days, and goes to the next statement as a
"carried from" line, once.
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

PERIODS = ("weekly", "fortnightly", "monthly")
WEEK_STARTS = {"monday": 0, "saturday": 5, "sunday": 6}
STATES = ("draft", "reviewed", "paid")
METHODS = ("bank_transfer", "paypal", "wise", "cash", "other")
ADJUSTMENT_KINDS = ("bonus", "deduction")


class PayoutSettings(TenantScoped, db.Model):
    """One row per agency (defaults until an owner saves the page)."""

    __tablename__ = "payout_settings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(12), default="monthly")
    week_start: Mapped[str] = mapped_column(sa.String(10), default="monday")
    # A day that starts a fortnight (fortnights run every 14 days from it, both ways).
    fortnight_anchor: Mapped[dt.date | None] = mapped_column(sa.Date)


class PayoutRun(TenantScoped, db.Model):
    """A period whose statements have been generated (by the button or the job), even if
    it made none. Once a later period is generated, this one is closed: no new statement
    is made in it, and costs of its days found later are carried forward."""

    __tablename__ = "payout_runs"
    __table_args__ = (sa.UniqueConstraint("agency_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PayoutStatement(TenantScoped, db.Model):
    __tablename__ = "payout_statements"
    __table_args__ = (
        sa.UniqueConstraint(
            "membership_id", "period_start", "currency", name="uq_payout_statements_member_period"
        ),
        sa.Index("ix_payout_statements_agency_period", "agency_id", "period_start", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)  # exclusive
    currency: Mapped[str] = mapped_column(sa.String(3))
    state: Mapped[str] = mapped_column(sa.String(12), default="draft")
    lines_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    adjustments_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    unpriced_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    unpriced_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    unpriced_accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    paid_amount_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    paid_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    paid_method: Mapped[str | None] = mapped_column(sa.String(20))
    paid_reference: Mapped[str | None] = mapped_column(sa.String(200))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    pdf_key: Mapped[str | None] = mapped_column(sa.String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Membership] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[PayoutLine]] = relationship(
        back_populates="statement",
        cascade="all, delete-orphan",
        order_by="(PayoutLine.source_start, PayoutLine.id)",
    )
    adjustments: Mapped[list[PayoutAdjustment]] = relationship(
        back_populates="statement",
        cascade="all, delete-orphan",
        order_by="PayoutAdjustment.id",
    )
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])

    @property
    def last_day(self) -> dt.date:
        return self.period_end - dt.timedelta(days=1)

    @property
    def locked(self) -> bool:
        return self.state == "paid"

    @property
    def blocked_by_unpriced(self) -> bool:
        return self.unpriced_seconds != 0 and self.unpriced_accepted_at is None


class PayoutLine(TenantScoped, db.Model):
    """One cost group on a statement; `source_start` before the statement's period marks a
    line carried from an earlier period (late approvals and corrections)."""

    __tablename__ = "payout_lines"
    __table_args__ = (sa.Index("ix_payout_lines_statement", "statement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payout_statements.id", ondelete="CASCADE")
    )
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    source_start: Mapped[dt.date] = mapped_column(sa.Date)
    source_end: Mapped[dt.date] = mapped_column(sa.Date)
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id", ondelete="SET NULL"))
    sop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sops.id", ondelete="SET NULL"))
    month: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(10))
    rate_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    items: Mapped[int] = mapped_column(default=0)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    statement: Mapped[PayoutStatement] = relationship(back_populates="lines")


class PayoutAdjustment(TenantScoped, db.Model):
    """A bonus (adds) or a deduction (subtracts), with the reason the person reads."""

    __tablename__ = "payout_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payout_statements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)  # positive
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    statement: Mapped[PayoutStatement] = relationship(back_populates="adjustments")

    @property
    def signed_minor(self) -> int:
        return self.amount_minor if self.kind == "bonus" else -self.amount_minor
