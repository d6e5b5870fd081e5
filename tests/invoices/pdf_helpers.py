"""Helpers for the PDF, branding and batch tests: invoices written directly (issued, with a
number and computed amounts), PDF text and attachment inspection with pypdf."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from app.core.money import compute
from app.core.tenancy import all_tenants
from app.documents.models import Branding
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine

LINE_TEXTS = [
    "Inbox management",
    "Calendar and travel booking",
    "Weekly client report",
    "CRM clean-up",
    "Social media scheduling",
    "Customer support hours",
    "Research: venue options",
    "Bookkeeping entries",
    "Onboarding checklist run",
    "Monthly retainer",
]


def make_invoice(
    client,
    *,
    lines: list[tuple] | None = None,
    status: str = "issued",
    number: str | None = "INV-2026-00042",
    currency: str | None = None,
    locale: str | None = None,
    tax_rate: str = "0",
    tax_name: str | None = None,
    notes: str | None = None,
    paid_minor: int = 0,
    issue_date: dt.date = dt.date(2026, 11, 30),
    due_date: dt.date = dt.date(2026, 12, 15),
    **kw,
) -> Invoice:
    """An invoice of `client` with `lines` of (description, quantity, unit price minor[,
    kind]);
    amounts computed with app.core.money.compute, as the services store them."""
    lines = lines if lines is not None else [(t, "1", 10000 + 500 * i) for i, t in
                                            enumerate(LINE_TEXTS)]  # fmt: skip
    currency = currency or client.currency
    with all_tenants():
        invoice = Invoice(
            agency_id=client.agency_id,
            client_id=client.id,
            kind=kw.pop("kind", "invoice"),
            number=number if status != "draft" else None,
            status=status,
            currency=currency,
            locale=locale or client.locale,
            client_time_zone=client.time_zone,
            issue_date=issue_date if status != "draft" else None,
            due_date=due_date if status != "draft" else None,
            net_days=15,
            notes=notes,
            paid_minor=paid_minor,
            **kw,
        )
        db.session.add(invoice)
        db.session.flush()
        rows = []
        for pos, (text, qty, price, *kind) in enumerate(lines, start=1):
            rows.append(
                InvoiceLine(
                    agency_id=client.agency_id,
                    invoice_id=invoice.id,
                    position=pos,
                    kind=kind[0] if kind else "manual",
                    description=text,
                    quantity=Decimal(qty),
                    unit_price_minor=price,
                    tax_rate=Decimal(tax_rate),
                    tax_name=tax_name,
                )
            )
        totals = compute(rows, invoice.rounding or "per_line")
        for row, amounts in zip(rows, totals.lines, strict=True):
            row.net_minor, row.tax_minor, row.gross_minor = amounts.net, amounts.tax, amounts.gross
        db.session.add_all(rows)
        invoice.subtotal_minor, invoice.tax_minor = totals.subtotal, totals.tax
        invoice.total_minor = totals.total
        db.session.flush()
    return invoice


def set_branding(agency_id: int, **values) -> Branding:
    with all_tenants():
        branding = Branding(agency_id=agency_id, **values)
        db.session.add(branding)
        db.session.flush()
    return branding


def pdf_reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pdf_reader(data).pages)


def embedded_files(data: bytes) -> list[str]:
    """Names of every file embedded in the PDF: document attachments (/EmbeddedFiles) and
    file-attachment annotations on any page."""
    reader = pdf_reader(data)
    names = list(reader.attachments)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/Subtype") == "/FileAttachment":
                names.append(str(obj.get("/FS")))
    return names


def font_names(data: bytes) -> set[str]:
    out = set()
    for page in pdf_reader(data).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            out.add(str(font.get_object().get("/BaseFont")).split("+", 1)[-1])
    return out
