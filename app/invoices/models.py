"""Invoices, credit notes, their lines, numbers, payments, PDFs, branding and reminders.

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
PAYMENT_METHODS = ("bank_transfer", "paypal", "wise", "card", "cash", "other")
BUNDLED_FONTS = ("DejaVu Sans", "Noto Sans", "Noto Serif")
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
        # The reminder sweep's candidates (app/invoices/reminder_sweep.py): invoices that may
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


class Payment(TenantScoped, db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[dt.date] = mapped_column(sa.Date)
    method: Mapped[str] = mapped_column(sa.String(20))
    reference: Mapped[str | None] = mapped_column(sa.String(120))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)  # always positive
    # "payment" (from the client) or "refund" (money returned to them)
    kind: Mapped[str] = mapped_column(sa.String(8), default="payment", server_default="payment")
    rate_to_base: Mapped[Decimal | None] = mapped_column(Numeric)  # 1 invoice unit in base
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def signed_minor(self) -> int:
        """What it adds to the invoice's paid amount (a refund takes it back)."""
        return -self.amount_minor if self.kind == "refund" else self.amount_minor


class InvoiceDocument(TenantScoped, db.Model):
    """A rendered PDF of an invoice (a new version each time it is rendered)."""

    __tablename__ = "invoice_documents"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Branding(TenantScoped, db.Model):
    __tablename__ = "brandings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    logo_key: Mapped[str | None] = mapped_column(sa.String(300))
    logo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    logo_content_type: Mapped[str | None] = mapped_column(sa.String(40))
    primary_color: Mapped[str] = mapped_column(sa.String(7), default="#4f46e5")
    accent_color: Mapped[str] = mapped_column(sa.String(7), default="#f59e0b")
    font: Mapped[str] = mapped_column(sa.String(40), default="DejaVu Sans")
    address: Mapped[str | None] = mapped_column(sa.Text)
    tax_id: Mapped[str | None] = mapped_column(sa.String(60))
    bank_details: Mapped[str | None] = mapped_column(sa.Text)
    paypal_url: Mapped[str | None] = mapped_column(sa.String(300))
    wise_url: Mapped[str | None] = mapped_column(sa.String(300))
    footer_text: Mapped[str | None] = mapped_column(sa.String(500))


class RetainerPlan(TenantScoped, db.Model):
    """A client's monthly retainer: a draft invoice appears on the agency's recurring day."""

    __tablename__ = "retainer_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(sa.String(200))
    monthly_amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    included_hours: Mapped[Decimal | None] = mapped_column(Numeric)
    active: Mapped[bool] = mapped_column(default=True)
    last_generated_month: Mapped[str | None] = mapped_column(sa.String(7))  # "2026-11"


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
