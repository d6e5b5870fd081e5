"""Set-up of the accounting export tests: documents, payments and approved time written
directly (the exports read columns, however they were written), and the CSV parsed back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.payments.models import Payment
from tests.factories import InvoiceFactory

MARCH = "date_from=2026-03-01&date_to=2026-03-31"


def document(
    client,
    number: str | None,
    issued_at: dt.datetime | None,
    lines: list[tuple[str, str, int, str]],
    *,
    kind: str = "invoice",
    status: str = "sent",
    credited: Invoice | None = None,
) -> Invoice:
    """An invoice or credit note of `lines` (description, quantity, unit price in minor
    units, tax rate), totals computed here by hand; issued at `issued_at`."""
    with all_tenants():
        inv = InvoiceFactory(
            client=client,
            kind=kind,
            number=number,
            status=status,
            issued_at=issued_at,
            issue_date=issued_at.date() if issued_at else None,
            due_date=issued_at.date() + dt.timedelta(days=15) if issued_at else None,
            credited_invoice_id=credited.id if credited else None,
        )
        subtotal = tax_total = 0
        for pos, (text, qty, unit, rate) in enumerate(lines, start=1):
            net = int(Decimal(qty) * unit)
            tax = int(net * Decimal(rate))
            db.session.add(
                InvoiceLine(
                    agency_id=inv.agency_id, invoice_id=inv.id, position=pos, description=text,
                    quantity=Decimal(qty), unit_price_minor=unit, tax_rate=Decimal(rate),
                    tax_name="VAT" if Decimal(rate) else None, net_minor=net, tax_minor=tax,
                    gross_minor=net + tax,
                )
            )  # fmt: skip
            subtotal += net
            tax_total += tax
        inv.subtotal_minor, inv.tax_minor = subtotal, tax_total
        inv.total_minor = subtotal + tax_total
        db.session.flush()
        return inv


def payment(invoice: Invoice, day: dt.date, amount: int, kind: str = "payment") -> Payment:
    with all_tenants():
        paid = Payment(
            agency_id=invoice.agency_id, invoice_id=invoice.id, paid_on=day,
            method="bank_transfer", reference="R-1", amount_minor=amount, kind=kind,
        )  # fmt: skip
        db.session.add(paid)
        db.session.flush()
        return paid


def parse(resp, header: tuple[str, ...] | None = None) -> list[dict]:
    """The rows of a CSV download, as dicts by column."""
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "text/csv"
    assert resp.is_streamed  # rows written while sent, never the whole file at once
    assert "attachment" in resp.headers["Content-Disposition"]
    reader = csv.reader(io.StringIO(resp.get_data(as_text=True)))
    columns = next(reader)
    if header is not None:
        assert tuple(columns) == header
    return [dict(zip(columns, row, strict=True)) for row in reader]
