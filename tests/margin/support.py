"""Set-up of the margin tests: issued invoices and credit notes written directly (as issuing
leaves them), with lines that bill work items or time, and exchange rates."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from app.core.tenancy import all_tenants
from app.extensions import db
from app.fx.models import ExchangeRate
from app.invoices.models import Invoice, InvoiceLine
from app.time.models import TimeEntry
from tests.time.support import NOW, TODAY

MONTH = TODAY.replace(day=1)  # March 2026
ISSUED = NOW - dt.timedelta(days=2)
_NUMBERS = itertools.count(1)


def invoice(
    agency_id: int,
    client_id: int,
    subtotal: int,
    *,
    currency: str = "USD",
    status: str = "sent",
    kind: str = "invoice",
    issued_at: dt.datetime = ISSUED,
    credited: Invoice | None = None,
    tax: int = 0,
    lines: list[dict] | None = None,
) -> Invoice:
    """An invoice (or credit note) with `subtotal` before tax; `lines`: dicts of net_minor,
    source_type, source_id (the rest of the subtotal is on no line)."""
    with all_tenants():
        row = Invoice(
            agency_id=agency_id,
            client_id=client_id,
            kind=kind,
            number=None if status == "draft" else f"N-{next(_NUMBERS):06d}",
            status=status,
            currency=currency,
            client_time_zone="UTC",
            issue_date=None if status == "draft" else issued_at.date(),
            issued_at=None if status == "draft" else issued_at,
            subtotal_minor=subtotal,
            tax_minor=tax,
            total_minor=subtotal + tax,
            credited_invoice_id=credited.id if credited else None,
        )
        db.session.add(row)
        db.session.flush()
        for n, spec in enumerate(lines or [], start=1):
            db.session.add(
                InvoiceLine(
                    agency_id=agency_id,
                    invoice_id=row.id,
                    position=n,
                    kind=spec.get("source_type") or "manual",
                    description=f"line {n}",
                    quantity=Decimal(1),
                    unit_price_minor=spec["net_minor"],
                    net_minor=spec["net_minor"],
                    gross_minor=spec["net_minor"],
                    source_type=spec.get("source_type"),
                    source_id=spec.get("source_id"),
                )
            )
        db.session.flush()
    return row


def bill_entries(line_id: int, invoice_id: int, *entries: TimeEntry) -> None:
    with all_tenants():
        for e in entries:
            e.invoice_line_id = line_id
            e.invoice_id = invoice_id
        db.session.flush()


def fx_rate(agency_id: int, currency: str, rate: str, day: dt.date) -> ExchangeRate:
    with all_tenants():
        row = ExchangeRate(
            agency_id=agency_id, currency=currency, rate=Decimal(rate), effective_from=day
        )
        db.session.add(row)
        db.session.flush()
    return row
