"""Invoices, credit notes, their lines, numbers, settings and tax rates.

Payments (app.payments), retainer plans (app.retainers), reminders (app.reminders) and
stored PDFs and branding (app.documents) have their own models, on the same tables.

Money is integer minor units in the invoice's currency (its own exponent: JPY 0, EUR 2,
KWD 3); quantities and rates are Decimals stored as NUMERIC. Issued invoices are immutable:
corrections are credit notes. Numbers come from `NumberCounter` rows locked in the issuing
transaction, with a unique constraint on (agency, series, number).

Statuses: draft (no number) -> issued -> sent -> partially_paid -> paid; void keeps its
number. "Overdue" is derived (due date passed, balance > 0), never stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

INVOICE_KINDS = ("invoice", "credit_note")
INVOICE_STATUSES = ("draft", "issued", "sent", "partially_paid", "paid", "void")
LINE_KINDS = ("package", "manual", "work_item", "time", "deposit", "deposit_deduction")
ROUNDING_MODES = ("per_line", "per_document")
Numeric = sa.Numeric(18, 6)


class InvoiceSettings(TenantScoped, db.Model):
    """One row per agency: numbering, rounding, terms defaults and reminders on/off."""

    __tablename__ = "invoice_settings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_number_format: Mapped[str] = mapped_column(sa.String(60), default="INV-{year}-{seq:05}")
    credit_note_number_format: Mapped[str] = mapped_column(
        sa.String(60), default="CN-{year}-{seq:05}"
    )
    restart_yearly: Mapped[bool] = mapped_column(default=True)
    rounding: Mapped[str] = mapped_column(sa.String(16), default="per_line")
    recurring_day: Mapped[int] = mapped_column(default=1)  # day of month retainer drafts appear
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    # Client contacts see their retainer's hour bank (the month's burn-down) in the portal.
    portal_hour_bank: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class TaxRate(TenantScoped, db.Model):
    __tablename__ = "tax_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    rate: Mapped[Decimal] = mapped_column(Numeric)  # 0.15 for 15 %
    inclusive: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class NumberCounter(TenantScoped, db.Model):
    """The next number of a series (per year when numbering restarts yearly)."""

    __tablename__ = "number_counters"
    __table_args__ = (sa.UniqueConstraint("agency_id", "series", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(16))  # invoice | credit_note
    year: Mapped[int] = mapped_column(default=0)  # 0 when numbering never restarts
    next_value: Mapped[int] = mapped_column(sa.BigInteger, default=1)


class Invoice(TenantScoped, db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "kind", "number"),
        sa.Index("ix_invoices_agency_status_due", "agency_id", "status", "due_date"),
        sa.Index("ix_invoices_client", "client_id"),
        # The reminder sweep's candidates (app/reminders/sweep.py): invoices that may
        # be chased, by agency and due date. Partial, so paid, void and draft invoices (most
        # of the table) are not in it at all.
        sa.Index(
            "ix_invoices_reminder_candidates",
            "agency_id",
            "due_date",
            postgresql_include=["id", "client_id", "client_time_zone", "reminder_offset_done"],
            postgresql_where=sa.text(
                "status IN ('issued', 'sent', 'partially_paid') AND kind = 'invoice' "
                "AND NOT disputed AND NOT reminders_paused"
            ),
            sqlite_where=sa.text(
                "status IN ('issued', 'sent', 'partially_paid') AND kind = 'invoice' "
                "AND disputed = 0 AND reminders_paused = 0"
            ),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="invoice")
    number: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    currency: Mapped[str] = mapped_column(sa.String(3))
    locale: Mapped[str] = mapped_column(sa.String(16), default="en")
    client_time_zone: Mapped[str] = mapped_column(sa.String(64))
    rounding: Mapped[str] = mapped_column(sa.String(16), default="per_line")
    period_label: Mapped[str | None] = mapped_column(sa.String(80))  # e.g. "November 2026"
    issue_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)  # in the client's time zone
    net_days: Mapped[int] = mapped_column(default=15)
    is_deposit: Mapped[bool] = mapped_column(default=False)  # an upfront deposit invoice
    deposit_invoice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="SET NULL")
    )  # on a final invoice: the deposit it deducts
    credited_invoice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="SET NULL")
    )  # on a credit note: the invoice it corrects
    subtotal_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credited_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # by credit notes
    rate_to_base: Mapped[Decimal | None] = mapped_column(Numeric)  # 1 unit in base, at issue
    notes: Mapped[str | None] = mapped_column(sa.Text)
    disputed: Mapped[bool] = mapped_column(default=False)
    reminders_paused: Mapped[bool] = mapped_column(default=False)
    # The highest ladder offset recorded for this invoice (sent or skipped); None before the
    # first. Written by the reminder sweep under the row lock, so its query skips the steps
    # an invoice is past without probing the reminder history.
    reminder_offset_done: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    client: Mapped[Client] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    @property
    def balance_minor(self) -> int:
        """What the client still owes: the total less payments and issued credit notes."""
        return self.total_minor - self.paid_minor - self.credited_minor


class InvoiceLine(TenantScoped, db.Model):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(20), default="manual")
    description: Mapped[str] = mapped_column(sa.String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric, default=Decimal(1))
    unit_price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    discount_percent: Mapped[Decimal] = mapped_column(Numeric, default=Decimal(0))
    tax_rate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tax_rates.id", ondelete="SET NULL")
    )
    tax_name: Mapped[str | None] = mapped_column(sa.String(80))  # snapshot at the time of writing
    tax_rate: Mapped[Decimal] = mapped_column(Numeric, default=Decimal(0))
    tax_inclusive: Mapped[bool] = mapped_column(default=False)
    net_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # computed
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # computed
    gross_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # computed
    source_type: Mapped[str | None] = mapped_column(sa.String(20))  # work_item, package, time
    source_id: Mapped[int | None] = mapped_column()

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
