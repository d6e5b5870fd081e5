"""Read side of the accountants' exports: one windowed statement per export, its rows read
with `yield_per` (a server-side cursor on PostgreSQL) so a year of documents streams in flat
memory and in a fixed number of statements however many documents the period holds.

The period is days in the agency's time zone. Invoices and credit notes belong to the day
they were issued there (`issued_at`, an instant, seen in the agency's zone), which is the day
their journal lines carry; payments to the day they were received (`paid_on`, a day as
entered); time entries to the day they count on (`entry_date`, in their person's zone).

Drafts (no number, not yet a document) and void documents (cancelled: never in the books)
are left out; so is time that is not approved by a timesheet.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.clients.models import Client, Contact
from app.invoices.models import Invoice, InvoiceLine
from app.payments.models import Payment
from app.time.models import TimeEntry
from app.users.models import Membership, User
from app.work.models import WorkItem

BATCH = 1000
EXPORTED_STATUSES = ("issued", "sent", "partially_paid", "paid")


@dataclass(frozen=True)
class Period:
    """First and last day (inclusive) in the agency's zone."""

    start: dt.date
    end: dt.date
    zone: str

    @classmethod
    def chosen(cls, args: dict, today: dt.date, zone: str) -> Period:
        """The days `args` give, or last month (before `today`, in `zone`) without them."""
        if args.get("date_from") and args.get("date_to"):
            return cls(args["date_from"], args["date_to"], zone)
        end = today.replace(day=1) - dt.timedelta(days=1)
        return cls(end.replace(day=1), end, zone)

    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        """[first instant, first instant after) of the period, in UTC."""
        tz = zoneinfo.ZoneInfo(self.zone)
        first = dt.datetime.combine(self.start, dt.time(), tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tz)
        return first.astimezone(dt.UTC), after.astimezone(dt.UTC)


def client_email() -> sa.ScalarSelect:
    """The client's first contact with an email (Xero's EmailAddress), or NULL."""
    return (
        sa.select(Contact.email)
        .where(Contact.client_id == Client.id, Contact.email.is_not(None))
        .order_by(Contact.id)
        .limit(1)
        .correlate(Client)
        .scalar_subquery()
    )


def _documents(period: Period, *columns: sa.ColumnElement) -> tuple[sa.Select, Any]:
    first, after = period.instants()
    credited = aliased(Invoice)
    return (
        sa.select(*columns)
        .select_from(Invoice)
        .join(Client, Client.id == Invoice.client_id)
        .outerjoin(credited, credited.id == Invoice.credited_invoice_id)
        .where(
            Invoice.status.in_(EXPORTED_STATUSES),
            Invoice.issued_at >= first,
            Invoice.issued_at < after,
        )
    ), credited


def document_totals(period: Period) -> sa.Select:
    """One row per issued invoice or credit note of the period, oldest first."""
    stmt, credited = _documents(
        period,
        Invoice.id,
        Invoice.kind,
        Invoice.number,
        Invoice.issued_at,
        Invoice.currency,
        Invoice.total_minor,
        Invoice.tax_minor,
        Client.name,
    )
    stmt = stmt.add_columns(credited.number.label("credited_number"))
    return stmt.order_by(Invoice.issued_at, Invoice.id).execution_options(yield_per=BATCH)


def document_lines(period: Period) -> sa.Select:
    """One row per line of the period's issued invoices and credit notes, in document order."""
    stmt, credited = _documents(
        period,
        Invoice.id,
        Invoice.kind,
        Invoice.number,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.currency,
        Client.name,
        client_email(),
        InvoiceLine.position,
        InvoiceLine.description,
        InvoiceLine.quantity,
        InvoiceLine.unit_price_minor,
        InvoiceLine.discount_percent,
        InvoiceLine.tax_name,
        InvoiceLine.tax_rate,
        InvoiceLine.tax_inclusive,
        InvoiceLine.net_minor,
        InvoiceLine.tax_minor,
    )
    stmt = stmt.add_columns(credited.number.label("credited_number"))
    return (
        stmt.join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .order_by(Invoice.issued_at, Invoice.id, InvoiceLine.position, InvoiceLine.id)
        .execution_options(yield_per=BATCH)
    )


def payments(period: Period) -> sa.Select:
    """Payments and refunds received (or paid back) on the period's days, oldest first."""
    return (
        sa.select(
            Payment.id,
            Payment.paid_on,
            Payment.kind,
            Payment.method,
            Payment.reference,
            Payment.amount_minor,
            Invoice.number,
            Invoice.currency,
            Client.name,
        )
        .select_from(Payment)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .join(Client, Client.id == Invoice.client_id)
        .where(Payment.paid_on >= period.start, Payment.paid_on <= period.end)
        .order_by(Payment.paid_on, Payment.id)
        .execution_options(yield_per=BATCH)
    )


def approved_time(period: Period) -> sa.Select:
    """Approved or billed finished time entries of the period's days, oldest first."""
    return (
        sa.select(
            TimeEntry.entry_date,
            User.name,
            Client.name,
            WorkItem.title,
            TimeEntry.duration_seconds,
            TimeEntry.billable,
            Invoice.number,
        )
        .select_from(TimeEntry)
        .join(Membership, Membership.id == TimeEntry.membership_id)
        .join(User, User.id == Membership.user_id)
        .join(Client, Client.id == TimeEntry.client_id)
        .outerjoin(WorkItem, WorkItem.id == TimeEntry.work_item_id)
        .outerjoin(Invoice, Invoice.id == TimeEntry.invoice_id)
        .where(
            TimeEntry.approved_at.is_not(None) | TimeEntry.invoice_id.is_not(None),
            TimeEntry.ended_at.is_not(None) | TimeEntry.started_at.is_(None),
            TimeEntry.entry_date >= period.start,
            TimeEntry.entry_date <= period.end,
        )
        .order_by(TimeEntry.entry_date, User.name, TimeEntry.id)
        .execution_options(yield_per=BATCH)
    )
